#include "kubelet/agent/cri_config.h"

#include "kubelet/agent/runtime_state.h"
#include "kubelet/volumes/pod_config_error.h"
#include "kubelet/volumes/quantity.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace hostlet::agent {

namespace cri_api = runtime::v1;
using nlohmann::json;

std::string Text(const json& object, const char* pointer, const std::string& fallback) {
  json::json_pointer path(pointer);
  if (!object.contains(path)) return fallback;
  const json& value = object.at(path);
  return value.is_string() ? value.get<std::string>() : fallback;
}

std::int64_t Integer(const json& object, const char* pointer, std::int64_t fallback) {
  json::json_pointer path(pointer);
  if (!object.contains(path)) return fallback;
  const json& value = object.at(path);
  return value.is_number_integer() ? value.get<std::int64_t>() : fallback;
}

const json& Items(const json& object, const char* pointer) {
  static const json empty = json::array();
  json::json_pointer path(pointer);
  if (!object.contains(path)) return empty;
  const json& value = object.at(path);
  return value.is_array() ? value : empty;
}

namespace {

// A resource of a container's requests or limits, in millicores or units; -1 when absent.
std::int64_t Resource(const json& container, const char* kind, const char* name, bool milli) {
  const json* list = nullptr;
  if (container.contains("resources") && container["resources"].is_object() &&
      container["resources"].contains(kind) && container["resources"][kind].is_object()) {
    list = &container["resources"][kind];
  }
  if (list == nullptr || !list->contains(name)) return -1;
  auto text = QuantityText((*list)[name]);
  if (!text) return -1;
  auto value = milli ? MilliValue(*text) : Value(*text);
  return value ? *value : -1;
}

std::vector<const json*> AllContainers(const json& pod) {
  std::vector<const json*> all;
  for (const auto& c : Items(pod, "/spec/initContainers")) all.push_back(&c);
  for (const auto& c : Items(pod, "/spec/containers")) all.push_back(&c);
  return all;
}

std::string JoinPath(std::string parent, const std::string& child) {
  while (!parent.empty() && parent.back() == '/') parent.pop_back();
  return parent + "/" + child;
}

}  // namespace

std::string QosClass(const json& pod) {
  bool any_set = false, guaranteed = true;
  for (const json* container : AllContainers(pod)) {
    for (const char* name : {"cpu", "memory"}) {
      std::int64_t request = Resource(*container, "requests", name, true);
      std::int64_t limit = Resource(*container, "limits", name, true);
      if (request > 0 || limit > 0) any_set = true;
      // A limit alone means a request of the same size.
      if (limit <= 0 || (request >= 0 && request != limit)) guaranteed = false;
    }
  }
  if (!any_set) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

std::string PodCgroupParent(const json& pod, const std::string& cgroup_root) {
  std::string qos = QosClass(pod);
  std::string parent = JoinPath(cgroup_root, "kubepods");
  if (qos == "Burstable") parent += "/burstable";
  if (qos == "BestEffort") parent += "/besteffort";
  return parent + "/pod" + Text(pod, "/metadata/uid");
}

std::filesystem::path PodLogDirectory(const json& pod, const std::filesystem::path& pod_logs_dir) {
  return pod_logs_dir / (Text(pod, "/metadata/namespace", "default") + "_" +
                         Text(pod, "/metadata/name") + "_" + Text(pod, "/metadata/uid"));
}

namespace {

// The host's resolver settings, for pods that use them (dnsPolicy Default, or ClusterFirst on a
// cluster without DNS, as the upstream kubelet falls back to).
void HostDns(cri_api::DNSConfig* dns) {
  std::ifstream file("/etc/resolv.conf");
  std::string line;
  while (std::getline(file, line)) {
    std::istringstream words(line);
    std::string key, value;
    words >> key;
    if (key == "nameserver" && words >> value) dns->add_servers(value);
    if (key == "search") {
      while (words >> value) dns->add_searches(value);
    }
    if (key == "options") {
      while (words >> value) dns->add_options(value);
    }
  }
}

// `container_context` is null for the sandbox. A Localhost type without a profile path, with an
// absolute or escaping one, or an unknown type is a PodConfigError.
cri_api::SecurityProfile SeccompProfile(const json& pod_context, const json& container_context,
                                        const std::filesystem::path& profile_root) {
  auto chosen = [](const json& context) -> const json* {
    if (!context.is_object()) return nullptr;
    auto found = context.find("seccompProfile");
    return found != context.end() && found->is_object() ? &*found : nullptr;
  };
  const json* profile = chosen(container_context);
  if (profile == nullptr) profile = chosen(pod_context);
  cri_api::SecurityProfile result;
  result.set_profile_type(cri_api::SecurityProfile::Unconfined);
  if (profile == nullptr) return result;
  std::string type = profile->value("type", "");
  if (type == "Unconfined") return result;
  if (type == "RuntimeDefault") {
    result.set_profile_type(cri_api::SecurityProfile::RuntimeDefault);
    return result;
  }
  if (type != "Localhost") {
    ThrowConfigError("seccompProfile.type " + (type.empty() ? "(none)" : "\"" + type + "\"") +
                     " is not one of RuntimeDefault, Unconfined, Localhost");
  }
  auto path = profile->find("localhostProfile");
  if (path == profile->end() || !path->is_string() || path->get<std::string>().empty()) {
    ThrowConfigError("seccompProfile.localhostProfile must be set when the type is Localhost");
  }
  std::filesystem::path relative(path->get<std::string>());
  bool escapes = relative.is_absolute();
  for (const auto& part : relative) escapes = escapes || part == "..";
  if (escapes) {
    ThrowConfigError("seccompProfile.localhostProfile \"" + relative.string() +
                     "\" must be a path under the seccomp profile root, without \"..\"");
  }
  result.set_profile_type(cri_api::SecurityProfile::Localhost);
  result.set_localhost_ref((profile_root / relative).string());
  return result;
}

}  // namespace

cri_api::PodSandboxConfig SandboxConfig(const json& pod, std::uint32_t attempt,
                                        const SandboxSettings& settings) {
  cri_api::PodSandboxConfig config;
  std::string name = Text(pod, "/metadata/name");
  std::string ns = Text(pod, "/metadata/namespace", "default");
  std::string uid = Text(pod, "/metadata/uid");
  config.mutable_metadata()->set_name(name);
  config.mutable_metadata()->set_namespace_(ns);
  config.mutable_metadata()->set_uid(uid);
  config.mutable_metadata()->set_attempt(attempt);
  std::string hostname = Text(pod, "/spec/hostname", name);
  if (hostname.size() > 63) hostname.resize(63);
  while (!hostname.empty() && (hostname.back() == '-' || hostname.back() == '.'))
    hostname.pop_back();
  config.set_hostname(hostname);
  config.set_log_directory(PodLogDirectory(pod, settings.pod_logs_dir).string());
  std::string dns_policy = Text(pod, "/spec/dnsPolicy", "ClusterFirst");
  if (dns_policy != "None") HostDns(config.mutable_dns_config());
  if (pod.contains(json::json_pointer("/spec/dnsConfig"))) {
    const json& extra = pod.at(json::json_pointer("/spec/dnsConfig"));
    for (const auto& server : extra.value("nameservers", json::array())) {
      if (server.is_string()) config.mutable_dns_config()->add_servers(server.get<std::string>());
    }
    for (const auto& search : extra.value("searches", json::array())) {
      if (search.is_string()) config.mutable_dns_config()->add_searches(search.get<std::string>());
    }
  }
  for (const auto& container : Items(pod, "/spec/containers")) {
    for (const auto& port : container.value("ports", json::array())) {
      if (!port.is_object() || port.value("hostPort", 0) <= 0) continue;
      auto* mapping = config.add_port_mappings();
      std::string protocol = port.value("protocol", "TCP");
      mapping->set_protocol(protocol == "UDP"    ? cri_api::UDP
                            : protocol == "SCTP" ? cri_api::SCTP
                                                 : cri_api::TCP);
      mapping->set_container_port(port.value("containerPort", 0));
      mapping->set_host_port(port.value("hostPort", 0));
      mapping->set_host_ip(port.value("hostIP", ""));
    }
  }
  auto& labels = *config.mutable_labels();
  // items() refers to its object: keep the copies alive for the loops.
  const json pod_labels = pod.value("metadata", json::object()).value("labels", json::object());
  const json pod_annotations =
      pod.value("metadata", json::object()).value("annotations", json::object());
  for (const auto& [key, value] : pod_labels.items()) {
    if (value.is_string()) labels[key] = value.get<std::string>();
  }
  labels[kPodNameLabel] = name;
  labels[kPodNamespaceLabel] = ns;
  labels[kPodUidLabel] = uid;
  auto& annotations = *config.mutable_annotations();
  for (const auto& [key, value] : pod_annotations.items()) {
    if (value.is_string()) annotations[key] = value.get<std::string>();
  }
  auto* linux = config.mutable_linux();
  linux->set_cgroup_parent(PodCgroupParent(pod, settings.cgroup_root));
  auto* sandbox_security = linux->mutable_security_context();
  *sandbox_security->mutable_seccomp() =
      SeccompProfile(pod.value("spec", json::object()).value("securityContext", json::object()),
                     nullptr, settings.seccomp_profile_root);
  auto* namespaces = sandbox_security->mutable_namespace_options();
  bool host_network = pod.value("spec", json::object()).value("hostNetwork", false);
  bool host_pid = pod.value("spec", json::object()).value("hostPID", false);
  bool host_ipc = pod.value("spec", json::object()).value("hostIPC", false);
  namespaces->set_network(host_network ? cri_api::NODE : cri_api::POD);
  namespaces->set_pid(host_pid ? cri_api::NODE : cri_api::CONTAINER);
  namespaces->set_ipc(host_ipc ? cri_api::NODE : cri_api::POD);
  return config;
}

namespace {

void ApplyResources(const json& container, cri_api::LinuxContainerResources* resources) {
  std::int64_t cpu_request = Resource(container, "requests", "cpu", true);
  std::int64_t cpu_limit = Resource(container, "limits", "cpu", true);
  if (cpu_request < 0 && cpu_limit > 0) cpu_request = cpu_limit;
  // cpu.shares as the kubelet computes them: 1024 per core, at least 2.
  resources->set_cpu_shares(
      std::max<std::int64_t>(2, cpu_request > 0 ? cpu_request * 1024 / 1000 : 2));
  if (cpu_limit > 0) {
    resources->set_cpu_period(100000);
    resources->set_cpu_quota(std::max<std::int64_t>(1000, cpu_limit * 100));
  }
  std::int64_t memory_limit = Resource(container, "limits", "memory", false);
  if (memory_limit > 0) resources->set_memory_limit_in_bytes(memory_limit);
}

cri_api::Capability* Capabilities(const json& context,
                                  cri_api::LinuxContainerSecurityContext* security) {
  auto* capabilities = security->mutable_capabilities();
  const json& caps = context.value("capabilities", json::object());
  for (const auto& add : caps.value("add", json::array())) {
    if (add.is_string()) capabilities->add_add_capabilities(add.get<std::string>());
  }
  for (const auto& drop : caps.value("drop", json::array())) {
    if (drop.is_string()) capabilities->add_drop_capabilities(drop.get<std::string>());
  }
  return capabilities;
}

}  // namespace

cri_api::ContainerConfig ContainerConfig(
    const json& pod, const json& container, int restart_count, bool init,
    const std::vector<std::pair<std::string, std::string>>& env,
    const std::vector<HostMount>& mounts, const SandboxSettings& settings) {
  cri_api::ContainerConfig config;
  std::string name = container.value("name", "");
  config.mutable_metadata()->set_name(name);
  config.mutable_metadata()->set_attempt(static_cast<std::uint32_t>(restart_count));
  config.mutable_image()->set_image(container.value("image", ""));
  for (const auto& word : container.value("command", json::array())) {
    if (word.is_string()) config.add_command(word.get<std::string>());
  }
  for (const auto& word : container.value("args", json::array())) {
    if (word.is_string()) config.add_args(word.get<std::string>());
  }
  config.set_working_dir(container.value("workingDir", ""));
  for (const auto& [key, value] : env) {
    auto* variable = config.add_envs();
    variable->set_key(key);
    variable->set_value(value);
  }
  for (const auto& mount : mounts) {
    auto* added = config.add_mounts();
    added->set_container_path(mount.container_path);
    added->set_host_path(mount.host_path);
    added->set_readonly(mount.read_only);
  }
  config.set_log_path(name + "/" + std::to_string(restart_count) + ".log");
  config.set_stdin(container.value("stdin", false));
  config.set_stdin_once(container.value("stdinOnce", false));
  config.set_tty(container.value("tty", false));
  auto& labels = *config.mutable_labels();
  labels[kPodNameLabel] = Text(pod, "/metadata/name");
  labels[kPodNamespaceLabel] = Text(pod, "/metadata/namespace", "default");
  labels[kPodUidLabel] = Text(pod, "/metadata/uid");
  labels[kContainerNameLabel] = name;
  auto& annotations = *config.mutable_annotations();
  annotations[kRestartCountAnnotation] = std::to_string(restart_count);
  annotations["io.kubernetes.container.terminationMessagePath"] =
      container.value("terminationMessagePath", "/dev/termination-log");
  if (init) annotations[kInitContainerAnnotation] = "true";

  auto* linux = config.mutable_linux();
  ApplyResources(container, linux->mutable_resources());
  auto* security = linux->mutable_security_context();
  json pod_context = pod.value("spec", json::object()).value("securityContext", json::object());
  json context = container.value("securityContext", json::object());
  if (!context.is_object()) context = json::object();
  if (!pod_context.is_object()) pod_context = json::object();
  Capabilities(context, security);
  *security->mutable_seccomp() =
      SeccompProfile(pod_context, context, settings.seccomp_profile_root);
  security->set_privileged(context.value("privileged", false));
  security->set_readonly_rootfs(context.value("readOnlyRootFilesystem", false));
  security->set_no_new_privs(!context.value("allowPrivilegeEscalation", true));
  auto user =
      context.contains("runAsUser") ? context["runAsUser"] : pod_context.value("runAsUser", json());
  if (user.is_number_integer())
    security->mutable_run_as_user()->set_value(user.get<std::int64_t>());
  auto group = context.contains("runAsGroup") ? context["runAsGroup"]
                                              : pod_context.value("runAsGroup", json());
  if (group.is_number_integer())
    security->mutable_run_as_group()->set_value(group.get<std::int64_t>());
  for (const auto& extra : pod_context.value("supplementalGroups", json::array())) {
    if (extra.is_number_integer()) security->add_supplemental_groups(extra.get<std::int64_t>());
  }
  bool host_pid = pod.value("spec", json::object()).value("hostPID", false);
  bool host_network = pod.value("spec", json::object()).value("hostNetwork", false);
  bool host_ipc = pod.value("spec", json::object()).value("hostIPC", false);
  auto* namespaces = security->mutable_namespace_options();
  namespaces->set_network(host_network ? cri_api::NODE : cri_api::POD);
  namespaces->set_pid(host_pid ? cri_api::NODE : cri_api::CONTAINER);
  namespaces->set_ipc(host_ipc ? cri_api::NODE : cri_api::POD);
  return config;
}

}  // namespace hostlet::agent
