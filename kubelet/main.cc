// hostlet, the node agent. At this stage it loads the plugin modules of its plugin directories,
// runs the node's CNI manager over the network modules and CNI binaries (offered to runtime
// modules as the network host service, so pods get their network), and serves each runtime,
// storage and device module as its standard gRPC API on a unix socket (so crictl, CSI tools and
// the upstream kubelet can use them), until SIGINT or SIGTERM.
#include "kubelet/network/host_service.h"
#include "kubelet/network/manager.h"
#include "kubelet/plugins/plugin_directory.h"

#include <hostlet/sdk/grpc_bridge.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace {

int Usage(const char* problem) {
  if (problem != nullptr) std::cerr << "hostlet: " << problem << "\n";
  std::cerr << "usage: hostlet [--plugin-dir DIR]... [--plugin-config NAME=JSON]... [--socket-dir DIR]\n"
               "               [--cni-conf-dir DIR] [--cni-bin-dir DIR]... [--cni-cache-dir DIR]\n"
               "  --plugin-dir DIR          load every *.so hostlet plugin module in DIR (repeatable)\n"
               "  --plugin-config NAME=JSON configuration of the instance of plugin NAME (default {})\n"
               "  --socket-dir DIR          serve each loaded module at DIR/<plugin name>.sock\n"
               "                            (default /run/hostlet/plugins)\n"
               "  --cni-conf-dir DIR        CNI network configurations (default /etc/cni/net.d)\n"
               "  --cni-bin-dir DIR         CNI plugin executables, after network modules\n"
               "                            (repeatable; default /opt/cni/bin and /usr/lib/cni)\n"
               "  --cni-cache-dir DIR       CNI result cache (default /var/lib/cni)\n";
  return 2;
}

}  // namespace

int main(int argc, char* argv[]) {
  std::vector<std::filesystem::path> plugin_dirs;
  std::filesystem::path socket_dir = "/run/hostlet/plugins";
  std::map<std::string, std::string> plugin_configs;
  hostlet::network::ManagerOptions network_options;
  network_options.bin_dirs.clear();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") return Usage(nullptr);
    if (i + 1 >= argc) return Usage(("missing value for " + arg).c_str());
    if (arg == "--plugin-dir") {
      plugin_dirs.emplace_back(argv[++i]);
    } else if (arg == "--plugin-config") {
      std::string value = argv[++i];
      auto equals = value.find('=');
      if (equals == std::string::npos || equals == 0) return Usage("--plugin-config takes NAME=JSON");
      plugin_configs[value.substr(0, equals)] = value.substr(equals + 1);
    } else if (arg == "--cni-conf-dir") {
      network_options.config_dir = argv[++i];
    } else if (arg == "--cni-bin-dir") {
      network_options.bin_dirs.emplace_back(argv[++i]);
    } else if (arg == "--cni-cache-dir") {
      network_options.cache_dir = argv[++i];
    } else if (arg == "--socket-dir") {
      socket_dir = argv[++i];
    } else {
      return Usage(("unknown flag " + arg).c_str());
    }
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  hostlet::plugins::ScanResult scan = hostlet::plugins::ScanDirectories(plugin_dirs);
  for (const auto& refusal : scan.refused) std::cerr << "hostlet: refused " << refusal.reason << "\n";

  auto config_of = [&](const std::string& name) {
    auto config = plugin_configs.find(name);
    return config == plugin_configs.end() ? std::string("{}") : config->second;
  };
  // Network modules first: a chain element's `type` resolves to one of them before any binary.
  std::map<std::string, std::shared_ptr<hostlet::Channel>> networks;
  for (const auto& module : scan.modules) {
    if (module->kind() != HOSTLET_KIND_NETWORK) continue;
    try {
      networks[module->name()] = module->Create(config_of(module->name()));
      std::cerr << "hostlet: network module " << module->Describe() << "\n";
    } catch (const std::exception& failure) {
      std::cerr << "hostlet: not using: " << failure.what() << "\n";
    }
  }
  if (network_options.bin_dirs.empty()) network_options.bin_dirs = {"/opt/cni/bin", "/usr/lib/cni"};
  network_options.modules = [&networks](const std::string& type) -> std::shared_ptr<hostlet::Channel> {
    auto found = networks.find(type);
    return found == networks.end() ? nullptr : found->second;
  };
  hostlet::network::NetworkManager network(network_options);
  hostlet::network::NetworkHostService network_service(network);
  auto services = std::make_shared<hostlet::plugins::HostServices>();
  services->Offer(HOSTLET_SERVICE_NETWORK, network_service.raw());

  std::error_code error;
  std::filesystem::create_directories(socket_dir, error);
  std::vector<std::unique_ptr<hostlet::GrpcBridgeServer>> servers;
  for (const auto& module : scan.modules) {
    if (module->kind() == HOSTLET_KIND_NETWORK) continue;
    try {
      auto socket = (socket_dir / (module->name() + ".sock")).string();
      auto instance = module->Create(config_of(module->name()), services);
      servers.push_back(std::make_unique<hostlet::GrpcBridgeServer>(instance, socket));
      std::cerr << "hostlet: serving " << module->Describe() << " on " << socket << "\n";
    } catch (const std::exception& failure) {
      std::cerr << "hostlet: not serving: " << failure.what() << "\n";
    }
  }
  std::cerr << "hostlet: ready (" << scan.modules.size() << " plugins loaded, " << scan.refused.size()
            << " refused)\n";
  int received = 0;
  sigwait(&signals, &received);
  std::cerr << "hostlet: " << strsignal(received) << ", stopping\n";
  for (auto& server : servers) server->Shutdown();
  return 0;
}
