// hostlet-server: the Kubernetes-compatible API server, on one SQLite file, until SIGTERM or
// SIGINT.
#include "controlplane/apiserver/api_routes.h"
#include "controlplane/apiserver/http_server.h"
#include "controlplane/apiserver/kubeconfig.h"
#include "controlplane/apiserver/listen_address.h"
#include "controlplane/apiserver/registry.h"
#include "controlplane/apiserver/resource_api.h"
#include "controlplane/storage/sqlite_store.h"

#include <boost/asio/steady_timer.hpp>

#include <boost/asio/signal_set.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

namespace {

constexpr const char* kUsage =
    "Usage: hostlet-server [flags]\n"
    "\n"
    "The hostlet Kubernetes API server (Kubernetes API v1.32): version, health, discovery,\n"
    "OpenAPI v3 and the core, apps, coordination and storage resources, stored in one SQLite\n"
    "file under --data-dir.\n"
    "\n"
    "Flags:\n"
    "  --data-dir DIR           where the state lives (default /var/lib/hostlet/server): the\n"
    "                           database state.db and, unless --kubeconfig-out says otherwise,\n"
    "                           admin.kubeconfig.\n"
    "  --listen HOST:PORT       address to serve plain HTTP on (default 127.0.0.1:6443). Only\n"
    "                           loopback addresses are accepted until TLS is implemented; port 0\n"
    "                           picks a free port (see --kubeconfig-out).\n"
    "  --kubeconfig-out PATH    once listening, write an admin kubeconfig for kubectl to PATH\n"
    "                           (mode 0600; default DATA-DIR/admin.kubeconfig), its server URL\n"
    "                           naming the port actually bound.\n"
    "  --threads N              threads serving requests (default: one per CPU, at most 8).\n"
    "  --help                   print this help and exit.\n";

struct Options {
  std::string listen = "127.0.0.1:6443";
  std::string data_dir = "/var/lib/hostlet/server";
  std::optional<std::string> kubeconfig_out;
  unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
};

// Returns nothing after printing the reason when the command line is wrong, or after --help.
std::optional<Options> ParseFlags(int argc, char** argv, int* exit_code) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::string value;
    bool has_value = false;
    if (auto equals = flag.find('='); flag.starts_with("--") && equals != std::string::npos) {
      value = flag.substr(equals + 1);
      flag = flag.substr(0, equals);
      has_value = true;
    }
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      *exit_code = 0;
      return std::nullopt;
    }
    bool known = flag == "--listen" || flag == "--kubeconfig-out" || flag == "--threads" ||
                 flag == "--data-dir";
    if (!known) {
      std::cerr << "hostlet-server: unknown flag " << flag << "\n\n" << kUsage;
      *exit_code = 2;
      return std::nullopt;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        std::cerr << "hostlet-server: " << flag << " needs a value\n";
        *exit_code = 2;
        return std::nullopt;
      }
      value = argv[++i];
    }
    if (flag == "--listen") options.listen = value;
    if (flag == "--data-dir") options.data_dir = value;
    if (flag == "--kubeconfig-out") options.kubeconfig_out = value;
    if (flag == "--threads") {
      try {
        size_t used = 0;
        int threads = std::stoi(value, &used);
        if (used != value.size() || threads < 1 || threads > 256) throw std::out_of_range(value);
        options.threads = static_cast<unsigned>(threads);
      } catch (const std::exception&) {
        std::cerr << "hostlet-server: --threads \"" << value
                  << "\" is not a number from 1 to 256\n";
        *exit_code = 2;
        return std::nullopt;
      }
    }
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hostlet::apiserver;
  int exit_code = 0;
  auto options = ParseFlags(argc, argv, &exit_code);
  if (!options) return exit_code;
  // A client that hangs up mid-answer must not kill the server.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    auto endpoint = ParseListenAddress(options->listen);
    std::filesystem::create_directories(options->data_dir);
    hostlet::storage::SqliteStore store(std::filesystem::path(options->data_dir) / "state.db");
    Registry registry(store, ResourceTable::Served());
    for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
      registry.EnsureNamespace(ns);
    }
    Router router;
    // Routes are added after binding because /api reports the bound address, which with port 0
    // is known only then; no request is handled before Run.
    std::optional<HttpServer> server;
    server.emplace(router, endpoint);
    std::string authority = FormatAuthority(server->local_endpoint());
    AddApiRoutes(router, registry.table(), authority,
                 [&registry](const Request& request, const std::string& group,
                             const std::string& version, const std::string& rest) {
                   return ServeResource(registry, request, group, version, rest);
                 });
    std::string url = "http://" + authority;
    WriteFileAtomically(
        options->kubeconfig_out.value_or(
            (std::filesystem::path(options->data_dir) / "admin.kubeconfig").string()),
        AdminKubeconfig(url));

    // History is kept for watches that resume; older revisions are compacted away so the file
    // stays bounded, as Kubernetes compacts etcd every few minutes.
    boost::asio::steady_timer compaction(server->context());
    std::function<void()> schedule_compaction = [&] {
      compaction.expires_after(std::chrono::minutes(1));
      compaction.async_wait([&](const boost::system::error_code& error) {
        if (error) return;
        try {
          store.CompactOlderThan(10000);
        } catch (const std::exception& failure) {
          std::cerr << "hostlet-server: compaction failed: " << failure.what() << std::endl;
        }
        schedule_compaction();
      });
    };
    schedule_compaction();

    boost::asio::signal_set signals(server->context(), SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code& error, int signal) {
      if (error) return;
      std::cout << "hostlet-server: signal " << signal << ", stopping" << std::endl;
      server->Stop();
    });
    std::cout << "hostlet-server: serving " << url << " on " << options->threads << " threads"
              << std::endl;
    server->Run(options->threads);
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "hostlet-server: " << error.what() << "\n";
    return 1;
  }
}
