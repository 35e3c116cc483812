// PodRuntime's state: records on disk, loading them back, ids, and the runtime binary.
#include "plugins/runtime/oci/pod_runtime.h"

#include "plugins/runtime/oci/container/oci_spec.h"
#include "plugins/runtime/oci/util/files.h"

#include <nlohmann/json.hpp>

#include <signal.h>

#include <fstream>
#include <sstream>

namespace hostlet::oci {
namespace {



}  // namespace

PodRuntime::PodRuntime(const ModuleConfig& config, ImageStore& images, const hostlet_network_service* network)
    : config_(config), images_(images), network_(network), min_oom_score_adj_(LowestOomScoreAdj()) {
  std::filesystem::create_directories(config_.state / "sandboxes");
  std::filesystem::create_directories(config_.state / "containers");
  std::filesystem::create_directories(config_.state / "runc");
  std::filesystem::create_directories(config_.root / "containers");
  LoadState();
}

std::filesystem::path PodRuntime::SandboxDir(const std::string& id) const { return config_.state / "sandboxes" / id; }
std::filesystem::path PodRuntime::ContainerDir(const std::string& id) const { return config_.state / "containers" / id; }

std::vector<std::string> PodRuntime::Runtime(std::vector<std::string> args) const {
  args.insert(args.begin(), {config_.runtime, "--root", (config_.state / "runc").string()});
  return args;
}

void PodRuntime::SaveSandbox(const Sandbox& sandbox, bool with_config) const {
  auto dir = SandboxDir(sandbox.id);
  if (with_config) WriteAtomically(dir / "config.pb", sandbox.config.SerializeAsString());
  WriteAtomically(dir / "record.json", nlohmann::json{{"id", sandbox.id},
                                                      {"createdAt", sandbox.created_at},
                                                      {"ready", sandbox.ready},
                                                      {"ip", sandbox.ip},
                                                      {"ownNetns", sandbox.own_netns},
                                                      {"networkAttached", sandbox.network_attached},
                                                      {"cgroupParent", sandbox.cgroup_parent}}
                                                      .dump());
}

void PodRuntime::SaveContainer(const Container& container, bool with_config) const {
  auto dir = ContainerDir(container.id);
  if (with_config) WriteAtomically(dir / "config.pb", container.config.SerializeAsString());
  WriteAtomically(dir / "record.json", nlohmann::json{{"id", container.id},
                                                      {"sandboxId", container.sandbox_id},
                                                      {"imageId", container.image_id},
                                                      {"createdAt", container.created_at},
                                                      {"startedAt", container.started_at},
                                                      {"logPath", container.log_path},
                                                      {"cgroupsPath", container.cgroups_path}}
                                                      .dump());
}

// Reads back what earlier instances recorded; a record that cannot be read is set aside (and
// named in its directory) rather than stopping the module.
void PodRuntime::LoadState() {
  for (const auto& entry : std::filesystem::directory_iterator(config_.state / "sandboxes")) {
    try {
      auto record = nlohmann::json::parse(ReadFile(entry.path() / "record.json"));
      Sandbox sandbox;
      sandbox.id = record.at("id");
      if (!sandbox.config.ParseFromString(ReadFile(entry.path() / "config.pb"))) throw std::runtime_error("config.pb");
      sandbox.created_at = record.at("createdAt");
      sandbox.ready = record.at("ready");
      sandbox.ip = record.value("ip", "");
      sandbox.own_netns = record.value("ownNetns", false);
      sandbox.network_attached = record.value("networkAttached", false);
      sandbox.cgroup_parent = record.value("cgroupParent", "");
      sandboxes_[sandbox.id] = sandbox;
    } catch (const std::exception&) {
      // Half-written by a crash during RunPodSandbox: nothing was handed out for it.
    }
  }
  for (const auto& entry : std::filesystem::directory_iterator(config_.state / "containers")) {
    try {
      auto record = nlohmann::json::parse(ReadFile(entry.path() / "record.json"));
      Container container;
      container.id = record.at("id");
      if (!container.config.ParseFromString(ReadFile(entry.path() / "config.pb"))) throw std::runtime_error("config.pb");
      container.sandbox_id = record.at("sandboxId");
      container.image_id = record.at("imageId");
      container.created_at = record.at("createdAt");
      container.started_at = record.at("startedAt");
      container.log_path = record.at("logPath");
      container.cgroups_path = record.at("cgroupsPath");
      containers_[container.id] = container;
    } catch (const std::exception&) {
    }
  }
}

std::optional<PodRuntime::Exit> PodRuntime::ExitOf(const std::string& id) const {
  std::ifstream in(ContainerDir(id) / "exit.json");
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  auto json = nlohmann::json::parse(text.str(), nullptr, false);
  if (!json.is_object()) return std::nullopt;
  return Exit{json.value("exitCode", -1), json.value("finishedAt", int64_t{0}), json.value("oomKilled", false)};
}

bool PodRuntime::MatchesLabels(const google::protobuf::Map<std::string, std::string>& labels,
                               const google::protobuf::Map<std::string, std::string>& selector) {
  for (const auto& [key, value] : selector) {
    auto label = labels.find(key);
    if (label == labels.end() || label->second != value) return false;
  }
  return true;
}

int PodRuntime::ContainerPid(const std::string& id) const {
  std::ifstream pid_file(ContainerDir(id) / "bundle" / "container.pid");
  int pid = 0;
  pid_file >> pid;
  return pid;
}

bool PodRuntime::MonitorAtWork(const std::string& id) const {
  std::ifstream pid_file(ContainerDir(id) / "bundle" / "monitor.pid");
  int pid = 0;
  pid_file >> pid;
  if (pid <= 0) return false;
  // The process with that PID must be this container's monitor (its command line names the
  // container), not a later process that got the PID.
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
  std::string arguments((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  return arguments.find(std::string("monitor") + '\0') != std::string::npos &&
         arguments.find(std::string(1, '\0') + id + '\0') != std::string::npos;
}

runtime::v1::ContainerState PodRuntime::StateOf(const Container& container) const {
  if (ExitOf(container.id)) return runtime::v1::CONTAINER_EXITED;
  if (container.started_at != 0) {
    // Running only while its monitor is: a monitor that died without recording the exit leaves
    // the state unknown rather than running forever.
    int pid = ContainerPid(container.id);
    if (pid > 0 && kill(pid, 0) == 0) return runtime::v1::CONTAINER_RUNNING;
    // Ended, with its monitor still draining its output before it records the exit: running
    // until then, or a sync in that moment would take the container for lost and start another.
    if (MonitorAtWork(container.id)) return runtime::v1::CONTAINER_RUNNING;
    return runtime::v1::CONTAINER_UNKNOWN;
  }
  return runtime::v1::CONTAINER_CREATED;
}

std::string PodRuntime::MemoryCgroup(const std::string& cgroups_path) const {
  if (std::filesystem::exists("/sys/fs/cgroup/memory")) return "/sys/fs/cgroup/memory" + cgroups_path;
  return "/sys/fs/cgroup" + cgroups_path;  // cgroup v2
}

}  // namespace hostlet::oci
