// hostlet, the node agent. It loads the plugin modules of its plugin directories, runs the
// node's CNI manager over the network modules and CNI binaries (offered to runtime modules as the
// network host service, so pods get their network), and serves each runtime, storage and device
// module as its standard gRPC API on a unix socket (so crictl, CSI tools and the upstream kubelet
// can use them). Given an apiserver kubeconfig or a static pod directory, it is also the node's
// kubelet: it registers the node and runs the pods bound to it, until SIGINT or SIGTERM.
#include "kubelet/agent/agent.h"
#include "kubelet/apiclient/kubeconfig.h"
#include "kubelet/config/agent_config.h"
#include "kubelet/cri/runtime_client.h"
#include "kubelet/metrics/kubelet_metrics.h"
#include "kubelet/metrics/prober_metrics.h"
#include "kubelet/metrics/registry.h"
#include "kubelet/metrics/timed_channel.h"
#include "kubelet/network/host_service.h"
#include "kubelet/network/manager.h"
#include "kubelet/plugins/plugin_directory.h"
#include "kubelet/server/agent_server.h"
#include "kubelet/server/runtime_gauges.h"

#include <hostlet/sdk/grpc_bridge.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

int Usage(const char* problem) {
  if (problem != nullptr) std::cerr << "hostlet: " << problem << "\n";
  std::cerr
      << "usage: hostlet [--config FILE] [flags]\n"
         "Flags override the config file (a KubeletConfiguration-like YAML file; see "
         "docs/architecture.md).\n"
         "  --config FILE             the agent's config file\n"
         "  --kubeconfig FILE         the apiserver to register with and take pods from\n"
         "  --static-pod-path DIR     run the pod manifests in DIR (mirror pods go to the "
         "apiserver)\n"
         "  --node-name NAME          this node's name (default: the host name)\n"
         "  --node-ip IP              this node's InternalIP (default: the default route's source "
         "address)\n"
         "  --root-dir DIR            pod volumes and state (default /var/lib/hostlet)\n"
         "  --pod-logs-dir DIR        container logs (default /var/log/pods)\n"
         "  --images-dir DIR          image archives imported at start (default ROOT-DIR/images)\n"
         "  --container-runtime-endpoint E  module:NAME or unix:///path (default module:oci)\n"
         "  --cgroup-root PATH        parent of the kubepods cgroup (default /)\n"
         "  --max-pods N              pods this node accepts (default 110)\n"
         "  --container-log-max-size Q  rotate a container's log once it is this big (default\n"
         "                            10Mi; 0: never)\n"
         "  --container-log-max-files N  log files kept per container, the current one included\n"
         "                            (default 5, at least 2)\n"
         "  --plugin-dir DIR          load every *.so hostlet plugin module in DIR (repeatable)\n"
         "  --plugin-config NAME=JSON configuration of the instance of plugin NAME (default {})\n"
         "  --socket-dir DIR          serve each loaded module at DIR/<plugin name>.sock\n"
         "                            (default /run/hostlet/plugins)\n"
         "  --cni-conf-dir DIR        CNI network configurations (default /etc/cni/net.d)\n"
         "  --cni-bin-dir DIR         CNI plugin executables, after network modules\n"
         "                            (repeatable; default /opt/cni/bin and /usr/lib/cni)\n"
         "  --cni-cache-dir DIR       CNI result cache (default /var/lib/cni)\n"
         "  --address IP              where the agent's HTTPS server listens (default 127.0.0.1)\n"
         "  --port N                  its port (default 10250; 0: no server). It serves /healthz,\n"
         "                            and /pods, /containerLogs, /metrics, /metrics/cadvisor,\n"
         "                            /metrics/resource, /metrics/probes and\n"
         "                            /stats/summary to clients with a certificate signed by the\n"
         "                            kubeconfig's CA\n"
         "  --tls-cert-file FILE      its certificate (default: self-signed, ROOT-DIR/pki)\n"
         "  --tls-private-key-file FILE  that certificate's key\n"
         "Without --kubeconfig and --static-pod-path the agent only hosts its plugins.\n";
  return 2;
}

}  // namespace

int main(int argc, char* argv[]) {
  using hostlet::agent::AgentConfig;
  // The config file comes first, whatever its place among the flags, so the flags override it.
  AgentConfig config = hostlet::agent::DefaultAgentConfig();
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) != "--config") continue;
    try {
      config = hostlet::agent::LoadAgentConfig(argv[i + 1]);
    } catch (const std::exception& failure) {
      std::cerr << "hostlet: " << failure.what() << "\n";
      return 2;
    }
  }
  std::string node_ip;
  bool cni_bin_dirs_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") return Usage(nullptr);
    if (i + 1 >= argc) return Usage(("missing value for " + arg).c_str());
    std::string value = argv[++i];
    try {
      if (arg == "--config") {
        // read above
      } else if (arg == "--plugin-dir") {
        config.plugin_dirs.emplace_back(value);
      } else if (arg == "--plugin-config") {
        auto equals = value.find('=');
        if (equals == std::string::npos || equals == 0)
          return Usage("--plugin-config takes NAME=JSON");
        config.plugin_config[value.substr(0, equals)] = value.substr(equals + 1);
      } else if (arg == "--cni-conf-dir") {
        config.cni_conf_dir = value;
      } else if (arg == "--cni-bin-dir") {
        if (!cni_bin_dirs_given) config.cni_bin_dirs.clear();
        cni_bin_dirs_given = true;
        config.cni_bin_dirs.emplace_back(value);
      } else if (arg == "--cni-cache-dir") {
        config.cni_cache_dir = value;
      } else if (arg == "--socket-dir") {
        config.plugin_socket_dir = value;
      } else if (arg == "--kubeconfig") {
        config.kubeconfig = value;
      } else if (arg == "--static-pod-path") {
        config.static_pod_path = value;
      } else if (arg == "--node-name") {
        config.node_name = value;
      } else if (arg == "--node-ip") {
        node_ip = value;
      } else if (arg == "--root-dir") {
        config.root_dir = value;
      } else if (arg == "--pod-logs-dir") {
        config.pod_logs_dir = value;
      } else if (arg == "--images-dir") {
        config.images_dir = value;
      } else if (arg == "--container-runtime-endpoint") {
        config.container_runtime_endpoint = value;
      } else if (arg == "--cgroup-root") {
        config.cgroup_root = value;
      } else if (arg == "--address") {
        config.address = value;
      } else if (arg == "--port") {
        config.port = std::stoi(value);
        if (config.port < 0 || config.port > 65535) return Usage("--port must be 0..65535");
      } else if (arg == "--tls-cert-file") {
        config.tls_cert_file = value;
      } else if (arg == "--tls-private-key-file") {
        config.tls_private_key_file = value;
      } else if (arg == "--container-log-max-size") {
        config.container_log_max_size = value;
        if (!hostlet::agent::ContainerLogMaxBytes(config)) {
          return Usage("--container-log-max-size needs a quantity such as 10Mi");
        }
      } else if (arg == "--container-log-max-files") {
        config.container_log_max_files = std::stoi(value);
        if (config.container_log_max_files < 2) {
          return Usage("--container-log-max-files must be at least 2");
        }
      } else if (arg == "--max-pods") {
        config.max_pods = std::stoi(value);
        if (config.max_pods <= 0) return Usage("--max-pods must be positive");
      } else {
        return Usage(("unknown flag " + arg).c_str());
      }
    } catch (const std::exception&) {
      return Usage(("bad value for " + arg + ": " + value).c_str());
    }
  }
  if (config.images_dir.empty()) config.images_dir = config.root_dir / "images";
  if (config.tls_cert_file.empty() != config.tls_private_key_file.empty())
    return Usage("--tls-cert-file and --tls-private-key-file go together");
  const bool node_mode = !config.kubeconfig.empty() || !config.static_pod_path.empty();
  if (node_mode) {
    std::error_code ignored;
    std::filesystem::create_directories(config.images_dir, ignored);
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  hostlet::metrics::Registry metrics;
  hostlet::metrics::PluginMetrics plugin_metrics(metrics);
  hostlet::plugins::ScanResult scan = hostlet::plugins::ScanDirectories(config.plugin_dirs);
  for (const auto& refusal : scan.refused) {
    std::cerr << "hostlet: refused " << refusal.reason << "\n";
    plugin_metrics.ObserveLoad(refusal.file.stem().string(), false, 0);
  }
  // Starts a module's instance, counting the start in its load time, and times its calls.
  auto start_instance = [&](size_t index, auto create) -> std::shared_ptr<hostlet::Channel> {
    const auto& module = scan.modules[index];
    auto started = std::chrono::steady_clock::now();
    try {
      std::shared_ptr<hostlet::Channel> instance = create(module);
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      plugin_metrics.ObserveLoad(module->name(), true, scan.load_seconds[index] + took.count());
      return hostlet::metrics::TimedChannel(std::move(instance),
                                            plugin_metrics.CallObserverFor(module->name()));
    } catch (...) {
      plugin_metrics.ObserveLoad(module->name(), false, 0);
      throw;
    }
  };

  auto config_of = [&](const std::string& name) {
    auto found = config.plugin_config.find(name);
    std::string text = found == config.plugin_config.end() ? std::string("{}") : found->second;
    if (name != "oci" || !node_mode) return text;
    // The node's image directory is imported by its OCI runtime, as k3s imports its images.
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_object() && !json.contains("importDirs"))
      json["importDirs"] = {config.images_dir.string()};
    return json.is_object() ? json.dump() : text;
  };
  // Network modules first: a chain element's `type` resolves to one of them before any binary.
  std::map<std::string, std::shared_ptr<hostlet::Channel>> networks;
  for (size_t i = 0; i < scan.modules.size(); ++i) {
    const auto& module = scan.modules[i];
    if (module->kind() != HOSTLET_KIND_NETWORK) continue;
    try {
      networks[module->name()] = start_instance(
          i, [&](const auto& loaded) { return loaded->Create(config_of(loaded->name())); });
      std::cerr << "hostlet: network module " << module->Describe() << "\n";
    } catch (const std::exception& failure) {
      std::cerr << "hostlet: not using: " << failure.what() << "\n";
    }
  }
  hostlet::network::ManagerOptions network_options;
  network_options.config_dir = config.cni_conf_dir;
  network_options.bin_dirs = config.cni_bin_dirs;
  network_options.cache_dir = config.cni_cache_dir;
  network_options.modules =
      [&networks](const std::string& type) -> std::shared_ptr<hostlet::Channel> {
    auto found = networks.find(type);
    return found == networks.end() ? nullptr : found->second;
  };
  hostlet::network::NetworkManager network(network_options);
  hostlet::network::NetworkHostService network_service(network);
  auto services = std::make_shared<hostlet::plugins::HostServices>();
  services->Offer(HOSTLET_SERVICE_NETWORK, network_service.raw());

  std::error_code error;
  std::filesystem::create_directories(config.plugin_socket_dir, error);
  std::map<std::string, std::shared_ptr<hostlet::Channel>> instances;
  std::vector<std::unique_ptr<hostlet::GrpcBridgeServer>> servers;
  for (size_t i = 0; i < scan.modules.size(); ++i) {
    const auto& module = scan.modules[i];
    if (module->kind() == HOSTLET_KIND_NETWORK) continue;
    try {
      auto socket = (config.plugin_socket_dir / (module->name() + ".sock")).string();
      auto instance = start_instance(i, [&](const auto& loaded) {
        return loaded->Create(config_of(loaded->name()), services);
      });
      instances[module->name()] = instance;
      servers.push_back(std::make_unique<hostlet::GrpcBridgeServer>(instance, socket));
      std::cerr << "hostlet: serving " << module->Describe() << " on " << socket << "\n";
    } catch (const std::exception& failure) {
      std::cerr << "hostlet: not serving: " << failure.what() << "\n";
    }
  }

  std::optional<hostlet::metrics::KubeletMetrics> kubelet_metrics;
  hostlet::metrics::Registry probe_registry;
  std::optional<hostlet::metrics::ProberMetrics> probe_metrics;
  std::shared_ptr<hostlet::cri::RuntimeClient> runtime;
  std::unique_ptr<hostlet::agent::Agent> agent;
  std::unique_ptr<hostlet::server::AgentServer> server;
  if (node_mode) {
    try {
      kubelet_metrics.emplace(metrics, config.node_name);
      probe_metrics.emplace(probe_registry);
      auto connected = hostlet::cri::ConnectRuntime(
          config.container_runtime_endpoint,
          [&instances](const std::string& name) -> std::shared_ptr<hostlet::Channel> {
            auto found = instances.find(name);
            return found == instances.end() ? nullptr : found->second;
          });
      // Every CRI call is timed where it leaves the agent, as the upstream kubelet's
      // instrumented runtime service does.
      runtime = std::make_shared<hostlet::cri::RuntimeClient>(
          hostlet::metrics::TimedChannel(connected->channel, kubelet_metrics->RuntimeObserver()));
      agent = std::make_unique<hostlet::agent::Agent>(config, runtime, node_ip, &*kubelet_metrics,
                                                      &*probe_metrics);
      if (config.port != 0) {
        metrics.AddCollector(hostlet::server::RuntimeGauges(*runtime, *kubelet_metrics));
        hostlet::server::ServerOptions options;
        options.address = config.address;
        options.port = config.port;
        options.tls_cert_file = config.tls_cert_file;
        options.tls_private_key_file = config.tls_private_key_file;
        options.pki_dir = config.root_dir / "pki";
        options.node_name = config.node_name;
        options.node_ips = agent->node_ips();
        // Who may read logs and metrics: holders of a certificate from the cluster's CA.
        if (!config.kubeconfig.empty()) {
          options.client_ca_pem =
              hostlet::apiclient::LoadKubeconfig(config.kubeconfig).certificate_authority_pem;
        }
        options.metrics = [&metrics] { return metrics.Render(); };
        options.probe_metrics = [&probe_registry] { return probe_registry.Render(); };
        hostlet::server::NodeView view;
        view.pods = [&agent] { return agent->Pods(); };
        view.runtime = runtime.get();
        server = std::make_unique<hostlet::server::AgentServer>(options, view);
        std::cerr << "hostlet: serving HTTPS on " << server->local_endpoint() << "\n";
      }
      std::cerr << "hostlet: node " << config.node_name << " runs pods on "
                << config.container_runtime_endpoint
                << (config.kubeconfig.empty()
                        ? " (standalone)"
                        : " for the apiserver of " + config.kubeconfig.string())
                << "\n";
    } catch (const std::exception& failure) {
      std::cerr << "hostlet: cannot run pods: " << failure.what() << "\n";
      server.reset();
      agent.reset();
      for (auto& server : servers) server->Shutdown();
      return 1;
    }
  }
  std::cerr << "hostlet: ready (" << scan.modules.size() << " plugins loaded, "
            << scan.refused.size() << " refused)\n";
  int received = 0;
  sigwait(&signals, &received);
  std::cerr << "hostlet: " << strsignal(received) << ", stopping\n";
  server.reset();
  agent.reset();  // the pods keep running; a restarted agent adopts them
  for (auto& server : servers) server->Shutdown();
  return 0;
}
