// Pod sandboxes: pinned namespaces, host files (hostname, resolv.conf, hosts), and the pod's
// network, which is asked of the host through its network service.
#include "plugins/runtime/oci/pod_runtime.h"

#include "plugins/runtime/oci/util/clock.h"

#include "plugins/runtime/oci/util/ids.h"
#include "plugins/runtime/oci/util/process.h"

#include <nlohmann/json.hpp>
#include <sys/mount.h>

#include <chrono>
#include <fstream>

namespace hostlet::oci {
namespace {


bool HostNetwork(const runtime::v1::PodSandboxConfig& config) {
  return config.linux().security_context().namespace_options().network() == runtime::v1::NODE;
}

bool HostIpc(const runtime::v1::PodSandboxConfig& config) {
  return config.linux().security_context().namespace_options().ipc() == runtime::v1::NODE;
}

void Unpin(const std::filesystem::path& file) {
  umount2(file.c_str(), MNT_DETACH);
  std::error_code ignored;
  std::filesystem::remove(file, ignored);
}

std::string ResolvConf(const runtime::v1::DNSConfig& dns) {
  if (dns.servers_size() == 0 && dns.searches_size() == 0 && dns.options_size() == 0) {
    std::ifstream host("/etc/resolv.conf");
    return std::string(std::istreambuf_iterator<char>(host), {});
  }
  std::string text;
  for (const auto& server : dns.servers()) text += "nameserver " + server + "\n";
  if (dns.searches_size() > 0) {
    text += "search";
    for (const auto& search : dns.searches()) text += " " + search;
    text += "\n";
  }
  if (dns.options_size() > 0) {
    text += "options";
    for (const auto& option : dns.options()) text += " " + option;
    text += "\n";
  }
  return text;
}

// Calls the host's network service; the reply is the CNI result or the spec's error JSON.
grpc::Status CallNetwork(const hostlet_network_service* network, const char* method, const nlohmann::json& request,
                         std::string* result) {
  struct Reply {
    std::string response;
    std::string error;
    int32_t code = 0;
  } reply;
  hostlet_reply raw{&reply,
                    [](void* ctx, const uint8_t* data, size_t size) {
                      static_cast<Reply*>(ctx)->response.assign(reinterpret_cast<const char*>(data), size);
                    },
                    [](void* ctx, int32_t code, const char* message) {
                      static_cast<Reply*>(ctx)->code = code;
                      static_cast<Reply*>(ctx)->error = message != nullptr ? message : "";
                    }};
  std::string bytes = request.dump();
  int32_t code = network->call(network->host_ctx, method, reinterpret_cast<const uint8_t*>(bytes.data()),
                               bytes.size(), &raw);
  if (code != 0) {
    return {grpc::StatusCode::UNAVAILABLE, std::string("network ") + method + " failed: " +
                                               (reply.error.empty() ? "status " + std::to_string(code) : reply.error)};
  }
  if (result != nullptr) *result = reply.response;
  return grpc::Status::OK;
}

}  // namespace

grpc::Status PodRuntime::AttachNetwork(Sandbox& sandbox) {
  const auto& metadata = sandbox.config.metadata();
  nlohmann::json ports = nlohmann::json::array();
  for (const auto& port : sandbox.config.port_mappings()) {
    if (port.host_port() <= 0) continue;
    static const char* kProtocols[] = {"tcp", "udp", "sctp"};
    ports.push_back({{"hostPort", port.host_port()}, {"containerPort", port.container_port()},
                     {"protocol", kProtocols[port.protocol() % 3]}, {"hostIP", port.host_ip()}});
  }
  nlohmann::json request = {{"containerID", sandbox.id},         {"netns", (SandboxDir(sandbox.id) / "netns").string()},
                            {"ifName", "eth0"},                  {"podNamespace", metadata.namespace_()},
                            {"podName", metadata.name()},        {"podUID", metadata.uid()},
                            {"portMappings", ports}};
  std::string result;
  grpc::Status status = CallNetwork(network_, HOSTLET_CNI_ADD, request, &result);
  if (!status.ok()) return status;
  sandbox.network_attached = true;
  auto parsed = nlohmann::json::parse(result, nullptr, false);
  if (parsed.is_object()) {
    for (const auto& ip : parsed.value("ips", nlohmann::json::array())) {
      std::string address = ip.value("address", "");
      if (!address.empty()) {
        sandbox.ip = address.substr(0, address.find('/'));
        break;
      }
    }
  }
  return grpc::Status::OK;
}

void PodRuntime::DetachNetwork(Sandbox& sandbox) {
  if (!sandbox.network_attached || network_ == nullptr) return;
  const auto& metadata = sandbox.config.metadata();
  nlohmann::json request = {{"containerID", sandbox.id},  {"netns", (SandboxDir(sandbox.id) / "netns").string()},
                            {"ifName", "eth0"},           {"podNamespace", metadata.namespace_()},
                            {"podName", metadata.name()}, {"podUID", metadata.uid()}};
  if (CallNetwork(network_, HOSTLET_CNI_DEL, request, nullptr).ok()) sandbox.network_attached = false;
}

grpc::Status PodRuntime::RunPodSandbox(const runtime::v1::RunPodSandboxRequest& request,
                                       runtime::v1::RunPodSandboxResponse* response) {
  const auto& config = request.config();
  if (config.metadata().name().empty() || config.metadata().namespace_().empty()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "RunPodSandbox: metadata.name and metadata.namespace are required"};
  }
  const std::string reservation = "sandbox/" + config.metadata().namespace_() + "/" + config.metadata().name() +
                                  "/" + config.metadata().uid() + "/" + std::to_string(config.metadata().attempt());
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, other] : sandboxes_) {
      const auto& existing = other.config.metadata();
      if (existing.name() == config.metadata().name() && existing.namespace_() == config.metadata().namespace_() &&
          existing.uid() == config.metadata().uid() && existing.attempt() == config.metadata().attempt()) {
        return {grpc::StatusCode::ALREADY_EXISTS, "RunPodSandbox: sandbox " + id + " already exists for " +
                                                      existing.namespace_() + "/" + existing.name() + " attempt " +
                                                      std::to_string(existing.attempt())};
      }
    }
    if (!in_progress_.insert(reservation).second) {
      return {grpc::StatusCode::ALREADY_EXISTS, "RunPodSandbox: a sandbox for " + config.metadata().namespace_() + "/" +
                                                    config.metadata().name() + " attempt " +
                                                    std::to_string(config.metadata().attempt()) +
                                                    " is being created"};
    }
  }
  // Namespaces and the network are made without the lock, so pods start side by side.
  InProgress release{this, reservation};
  Sandbox sandbox;
  sandbox.id = RandomId();
  sandbox.config = config;
  sandbox.created_at = NowNanos();
  sandbox.own_netns = !HostNetwork(config);
  sandbox.cgroup_parent = config.linux().cgroup_parent().empty() ? config_.cgroup_parent + "/" + sandbox.id
                                                                 : config.linux().cgroup_parent();
  auto dir = SandboxDir(sandbox.id);
  std::filesystem::create_directories(dir);
  std::string hostname = config.hostname().empty() ? config.metadata().name() : config.hostname();
  if (HostNetwork(config)) {
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    hostname = host;
  }
  std::ofstream(dir / "hostname") << hostname << "\n";
  std::ofstream(dir / "resolv.conf") << ResolvConf(config.dns_config());
  auto fail = [&](grpc::Status status) {
    DetachNetwork(sandbox);
    for (const char* ns : {"netns", "utsns", "ipcns"}) Unpin(dir / ns);
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    return status;
  };
  try {
    ProcessResult pinned = RunProcess({config_.helper.string(), "pin-namespaces", dir.string(), hostname,
                                       sandbox.own_netns ? "1" : "0", HostIpc(config) ? "0" : "1"},
                                      std::chrono::seconds(30));
    if (pinned.exit_code != 0) {
      return fail({grpc::StatusCode::INTERNAL, "RunPodSandbox: cannot create the pod's namespaces: " + pinned.Describe()});
    }
    if (sandbox.own_netns && network_ != nullptr) {
      grpc::Status attached = AttachNetwork(sandbox);
      if (!attached.ok()) return fail({attached.error_code(), "RunPodSandbox: " + attached.error_message()});
    }
    std::ofstream(dir / "hosts") << "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                                 << (sandbox.ip.empty() ? "" : sandbox.ip + "\t" + hostname + "\n");
    SaveSandbox(sandbox, /*with_config=*/true);
  } catch (const std::exception& error) {
    return fail({grpc::StatusCode::INTERNAL, std::string("RunPodSandbox: ") + error.what()});
  }
  std::lock_guard lock(mutex_);
  sandboxes_[sandbox.id] = sandbox;
  response->set_pod_sandbox_id(sandbox.id);
  return grpc::Status::OK;
}

grpc::Status PodRuntime::StopPodSandbox(const std::string& id) {
  std::unique_lock lock(mutex_);
  auto found = sandboxes_.find(id);
  if (found == sandboxes_.end()) {
    return {grpc::StatusCode::NOT_FOUND, "StopPodSandbox: no pod sandbox " + id};
  }
  // By id, looked up afresh each time: stopping unlocks, and other calls may change the map.
  std::vector<std::string> owned;
  for (const auto& [container_id, container] : containers_) {
    if (container.sandbox_id == id) owned.push_back(container_id);
  }
  for (const auto& container_id : owned) {
    auto container = containers_.find(container_id);
    if (container != containers_.end()) StopContainerLocked(container->second, 0, lock);
  }
  found = sandboxes_.find(id);
  if (found == sandboxes_.end()) return grpc::Status::OK;
  Sandbox& sandbox = found->second;
  DetachNetwork(sandbox);
  if (sandbox.network_attached) {
    return {grpc::StatusCode::UNAVAILABLE, "StopPodSandbox: the network could not be detached; try again"};
  }
  sandbox.ready = false;
  SaveSandbox(sandbox, /*with_config=*/false);
  return grpc::Status::OK;
}

grpc::Status PodRuntime::RemovePodSandbox(const std::string& id) {
  grpc::Status stopped = StopPodSandbox(id);
  if (stopped.error_code() == grpc::StatusCode::NOT_FOUND) return grpc::Status::OK;  // idempotent
  if (!stopped.ok()) return stopped;
  std::unique_lock lock(mutex_);
  std::vector<std::string> owned;
  for (const auto& [container_id, container] : containers_) {
    if (container.sandbox_id == id) owned.push_back(container_id);
  }
  for (const auto& container_id : owned) {
    DestroyContainerLocked(containers_.at(container_id));
    containers_.erase(container_id);
  }
  auto dir = SandboxDir(id);
  for (const char* ns : {"netns", "utsns", "ipcns"}) Unpin(dir / ns);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  const auto& parent = sandboxes_.at(id).cgroup_parent;
  // The module's own cgroup for a sandbox that named none: named after the sandbox's random ID,
  // under whatever cgroupParent the module had when it made it.
  if (parent.ends_with("/" + id)) {
    for (const auto& controller : std::filesystem::directory_iterator("/sys/fs/cgroup", ignored)) {
      rmdir((controller.path().string() + parent).c_str());
    }
    rmdir(("/sys/fs/cgroup" + parent).c_str());
  }
  sandboxes_.erase(id);
  return grpc::Status::OK;
}

grpc::Status PodRuntime::PodSandboxStatus(const runtime::v1::PodSandboxStatusRequest& request,
                                          runtime::v1::PodSandboxStatusResponse* response) {
  std::lock_guard lock(mutex_);
  auto found = sandboxes_.find(request.pod_sandbox_id());
  if (found == sandboxes_.end()) {
    return {grpc::StatusCode::NOT_FOUND, "PodSandboxStatus: no pod sandbox " + request.pod_sandbox_id()};
  }
  const Sandbox& sandbox = found->second;
  auto* status = response->mutable_status();
  status->set_id(sandbox.id);
  *status->mutable_metadata() = sandbox.config.metadata();
  status->set_state(sandbox.ready ? runtime::v1::SANDBOX_READY : runtime::v1::SANDBOX_NOTREADY);
  status->set_created_at(sandbox.created_at);
  if (!sandbox.ip.empty()) status->mutable_network()->set_ip(sandbox.ip);
  *status->mutable_linux()->mutable_namespaces()->mutable_options() =
      sandbox.config.linux().security_context().namespace_options();
  status->mutable_labels()->insert(sandbox.config.labels().begin(), sandbox.config.labels().end());
  status->mutable_annotations()->insert(sandbox.config.annotations().begin(), sandbox.config.annotations().end());
  if (request.verbose()) {
    (*response->mutable_info())["info"] =
        nlohmann::json{{"netns", sandbox.own_netns ? (SandboxDir(sandbox.id) / "netns").string() : ""},
                       {"cgroupParent", sandbox.cgroup_parent}}
            .dump();
  }
  response->set_timestamp(NowNanos());
  return grpc::Status::OK;
}

grpc::Status PodRuntime::ListPodSandbox(const runtime::v1::ListPodSandboxRequest& request,
                                        runtime::v1::ListPodSandboxResponse* response) {
  std::lock_guard lock(mutex_);
  const auto& filter = request.filter();
  for (const auto& [id, sandbox] : sandboxes_) {
    if (!filter.id().empty() && id != filter.id() && !id.starts_with(filter.id())) continue;
    auto state = sandbox.ready ? runtime::v1::SANDBOX_READY : runtime::v1::SANDBOX_NOTREADY;
    if (filter.has_state() && filter.state().state() != state) continue;
    if (!MatchesLabels(sandbox.config.labels(), filter.label_selector())) continue;
    auto* item = response->add_items();
    item->set_id(id);
    *item->mutable_metadata() = sandbox.config.metadata();
    item->set_state(state);
    item->set_created_at(sandbox.created_at);
    item->mutable_labels()->insert(sandbox.config.labels().begin(), sandbox.config.labels().end());
    item->mutable_annotations()->insert(sandbox.config.annotations().begin(), sandbox.config.annotations().end());
  }
  return grpc::Status::OK;
}

}  // namespace hostlet::oci
