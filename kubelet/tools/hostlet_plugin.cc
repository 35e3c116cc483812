// hostlet-plugin: the plugin vendor's tool.
//   hostlet-plugin inspect FILE...                       what each file holds, without running it
//   hostlet-plugin check FILE [--config JSON]                load it and create an instance
//   hostlet-plugin serve FILE --socket PATH [--config JSON]   serve it as its standard gRPC API
#include "kubelet/plugins/loader.h"

#include <hostlet/sdk/grpc_bridge.h>

#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

int Usage() {
  std::cerr << "usage:\n"
               "  hostlet-plugin inspect FILE...\n"
               "      List the plugin in each module file (kind, name, version, ABI) from its\n"
               "      manifest, without loading it. Exits 1 if any file is not a valid module.\n"
               "  hostlet-plugin check FILE [--config JSON]\n"
               "      Load the module as the agent would and create an instance from the\n"
               "      configuration (default {}); exits 1 with the reason if either fails.\n"
               "  hostlet-plugin serve FILE --socket PATH [--config JSON]\n"
               "      Load the module and serve it as its standard gRPC service (CRI, CSI or\n"
               "      device plugin) on the unix socket PATH until SIGINT or SIGTERM.\n";
  return 2;
}

int Inspect(const std::vector<std::string>& files) {
  int status = 0;
  for (const std::string& file : files) {
    try {
      hostlet::plugins::ModuleManifest manifest = hostlet::plugins::ReadManifest(file);
      std::cout << file << ": " << hostlet::plugins::KindName(manifest.kind) << " plugin '"
                << manifest.name << "' version " << manifest.version << ", ABI "
                << manifest.abi_major << "." << manifest.abi_minor
                << (manifest.abi_major == HOSTLET_ABI_MAJOR ? "" : " (NOT loadable by this host, which speaks ABI " +
                                                                      std::to_string(HOSTLET_ABI_MAJOR) + ".x)")
                << "\n";
      if (manifest.abi_major != HOSTLET_ABI_MAJOR) status = 1;
    } catch (const std::exception& error) {
      std::cerr << "hostlet-plugin: " << error.what() << "\n";
      status = 1;
    }
  }
  return status;
}

int Check(const std::string& file, const std::string& config) {
  try {
    auto module = hostlet::plugins::Load(file);
    module->Create(config);
    std::cout << "ok: " << module->Describe() << " loads and creates an instance\n";
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "hostlet-plugin: " << error.what() << "\n";
    return 1;
  }
}

int Serve(const std::string& file, const std::string& socket, const std::string& config) {
  // Signals are taken synchronously, so block them before gRPC starts its threads.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  try {
    auto module = hostlet::plugins::Load(file);
    if (module->kind() == HOSTLET_KIND_NETWORK) {
      std::cerr << "hostlet-plugin: " << module->Describe()
                << " is a network plugin; CNI has no gRPC service: use hostlet-cni\n";
      return 1;
    }
    hostlet::GrpcBridgeServer server(module->Create(config), socket);
    std::cerr << "hostlet-plugin: serving " << module->Describe() << " on " << socket << "\n";
    int received = 0;
    sigwait(&signals, &received);
    std::cerr << "hostlet-plugin: " << strsignal(received) << ", stopping\n";
    server.Shutdown();
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "hostlet-plugin: " << error.what() << "\n";
    return 1;
  }
}

}  // namespace

int main(int argc, char* argv[]) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return Usage();
  if (args[0] == "inspect" && args.size() >= 2) {
    return Inspect({args.begin() + 1, args.end()});
  }
  if (args[0] == "check" && (args.size() == 2 || (args.size() == 4 && args[2] == "--config"))) {
    return Check(args[1], args.size() == 4 ? args[3] : "{}");
  }
  if (args[0] == "serve" && args.size() >= 2) {
    std::string socket;
    std::string config = "{}";
    for (size_t i = 2; i + 1 < args.size(); i += 2) {
      if (args[i] == "--socket") {
        socket = args[i + 1];
      } else if (args[i] == "--config") {
        config = args[i + 1];
      } else {
        return Usage();
      }
    }
    if (socket.empty() || args.size() % 2 != 0) return Usage();
    return Serve(args[1], socket, config);
  }
  return Usage();
}
