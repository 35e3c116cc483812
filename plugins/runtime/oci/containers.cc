// Containers: a bundle (config.json and an overlay root filesystem on the image), created by
// the OCI runtime under a monitor process that owns its output and records its exit.
#include "plugins/runtime/oci/pod_runtime.h"

#include "plugins/runtime/oci/util/clock.h"

#include "plugins/runtime/oci/container/oci_spec.h"
#include "plugins/runtime/oci/util/ids.h"
#include "plugins/runtime/oci/util/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace hostlet::oci {
namespace {


uint64_t ReadNumber(const std::string& file) {
  std::ifstream in(file);
  uint64_t value = 0;
  in >> value;
  return value;
}

uint64_t StatValue(const std::string& file, const std::string& key) {
  std::ifstream in(file);
  std::string name;
  uint64_t value = 0;
  while (in >> name >> value) {
    if (name == key) return value;
  }
  return 0;
}

uint64_t DiskUsage(const std::filesystem::path& dir, uint64_t* inodes) {
  uint64_t bytes = 0;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, error);
       it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (error) break;
    ++*inodes;
    if (it->is_regular_file(error)) bytes += it->file_size(error);
  }
  return bytes;
}

// Waits up to `timeout` for `done`, polling: the exit is recorded by another process.
template <class Done>
bool WaitFor(Done done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// The signal name runc takes ("SIGTERM"), from the CRI enum whose value names are the same.
std::string SignalName(runtime::v1::Signal signal) {
  return signal == runtime::v1::RUNTIME_DEFAULT ? "SIGTERM" : runtime::v1::Signal_Name(signal);
}

}  // namespace

grpc::Status PodRuntime::CreateContainer(const runtime::v1::CreateContainerRequest& request,
                                         runtime::v1::CreateContainerResponse* response) {
  const auto& config = request.config();
  if (config.metadata().name().empty()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "CreateContainer: metadata.name is required"};
  }
  auto image = images_.Find(config.image().image());
  if (!image) {
    return {grpc::StatusCode::NOT_FOUND, "CreateContainer: image \"" + config.image().image() + "\" is not present"};
  }
  const std::string reservation = "container/" + request.pod_sandbox_id() + "/" + config.metadata().name() + "/" +
                                  std::to_string(config.metadata().attempt());
  Sandbox sandbox;  // a copy: the mount and runc run without the lock
  {
    std::lock_guard lock(mutex_);
    auto sandbox_it = sandboxes_.find(request.pod_sandbox_id());
    if (sandbox_it == sandboxes_.end()) {
      return {grpc::StatusCode::NOT_FOUND, "CreateContainer: no pod sandbox " + request.pod_sandbox_id()};
    }
    sandbox = sandbox_it->second;
    if (!sandbox.ready) {
      return {grpc::StatusCode::FAILED_PRECONDITION, "CreateContainer: pod sandbox " + sandbox.id + " is stopped"};
    }
    for (const auto& [id, other] : containers_) {
      if (other.sandbox_id == sandbox.id && other.config.metadata().name() == config.metadata().name() &&
          other.config.metadata().attempt() == config.metadata().attempt()) {
        return {grpc::StatusCode::ALREADY_EXISTS, "CreateContainer: container " + id + " already exists as " +
                                                      config.metadata().name() + " attempt " +
                                                      std::to_string(config.metadata().attempt())};
      }
    }
    if (!in_progress_.insert(reservation).second) {
      return {grpc::StatusCode::ALREADY_EXISTS, "CreateContainer: " + config.metadata().name() + " attempt " +
                                                    std::to_string(config.metadata().attempt()) +
                                                    " is being created"};
    }
  }
  InProgress release{this, reservation};
  Container container;
  container.id = RandomId();
  container.sandbox_id = sandbox.id;
  container.config = config;
  container.image_id = image->id;
  container.created_at = NowNanos();
  container.cgroups_path = sandbox.cgroup_parent + "/" + container.id;
  const std::string& log_dir = sandbox.config.log_directory();
  container.log_path = !log_dir.empty() && !config.log_path().empty()
                           ? (std::filesystem::path(log_dir) / config.log_path()).string()
                           : (ContainerDir(container.id) / "container.log").string();

  auto dir = ContainerDir(container.id);
  auto bundle = dir / "bundle";
  auto rootfs = bundle / "rootfs";
  auto layer = config_.root / "containers" / container.id;
  auto cleanup = [&](grpc::Status status) {
    umount2(rootfs.c_str(), MNT_DETACH);
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    std::filesystem::remove_all(layer, ignored);
    return status;
  };
  try {
    std::filesystem::create_directories(rootfs);
    std::filesystem::create_directories(layer / "upper");
    std::filesystem::create_directories(layer / "work");
    // The image's root filesystem stays untouched below a per-container writable layer.
    std::string options = "lowerdir=" + images_.RootfsOf(image->id).string() + ",upperdir=" + (layer / "upper").string() +
                          ",workdir=" + (layer / "work").string();
    if (mount("overlay", rootfs.c_str(), "overlay", 0, options.c_str()) != 0) {
      return cleanup({grpc::StatusCode::INTERNAL, std::string("CreateContainer: cannot mount the root filesystem: ") +
                                                      std::strerror(errno)});
    }
    auto sandbox_dir = SandboxDir(sandbox.id);
    SpecInputs inputs{&config, &sandbox.config, {}, image->config, rootfs, container.cgroups_path, min_oom_score_adj_};
    inputs.paths.netns = sandbox.own_netns ? sandbox_dir / "netns" : "";
    inputs.paths.utsns = sandbox_dir / "utsns";
    inputs.paths.ipcns = std::filesystem::exists(sandbox_dir / "ipcns") ? sandbox_dir / "ipcns" : "";
    inputs.paths.hostname_file = sandbox_dir / "hostname";
    inputs.paths.resolv_conf = sandbox_dir / "resolv.conf";
    inputs.paths.hosts = sandbox_dir / "hosts";
    std::ifstream(sandbox_dir / "hostname") >> inputs.paths.hostname;
    nlohmann::json spec = BuildOciSpec(inputs);
    std::ofstream(bundle / "config.json") << spec.dump(1);
    SaveContainer(container, /*with_config=*/true);

  } catch (const InvalidContainerConfig& invalid) {
    return cleanup({grpc::StatusCode::INVALID_ARGUMENT, std::string("CreateContainer: ") + invalid.what()});
  } catch (const std::exception& error) {
    return cleanup({grpc::StatusCode::INTERNAL, std::string("CreateContainer: ") + error.what()});
  }
  std::unique_lock lock(mutex_);
  auto still = sandboxes_.find(sandbox.id);
  if (still == sandboxes_.end() || !still->second.ready) {
    lock.unlock();  // the sandbox went away meanwhile: so does this container
    return cleanup({grpc::StatusCode::FAILED_PRECONDITION,
                    "CreateContainer: pod sandbox " + sandbox.id + " was stopped while the container was made"});
  }
  containers_[container.id] = container;
  response->set_container_id(container.id);
  return grpc::Status::OK;
}

PodRuntime::InProgress::~InProgress() {
  std::lock_guard lock(runtime->mutex_);
  runtime->in_progress_.erase(key);
}

grpc::Status PodRuntime::RunUnderMonitor(const Container& container) {
  const auto dir = ContainerDir(container.id);
  // The monitor reports on a pipe whether the runtime created and started the container.
  int sync[2];
  if (pipe2(sync, O_CLOEXEC) != 0) return {grpc::StatusCode::INTERNAL, "pipe failed"};
  ProcessResult spawned;
  try {
    spawned = RunProcess({config_.helper.string(), "monitor", config_.runtime, (config_.state / "runc").string(),
                          container.id, (dir / "bundle").string(), container.log_path, (dir / "exit.json").string(),
                          MemoryCgroup(container.cgroups_path)},
                         std::chrono::seconds(30), {sync[1]});
  } catch (...) {
    close(sync[0]);
    close(sync[1]);
    throw;
  }
  close(sync[1]);
  std::string report;
  pollfd wait{sync[0], POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (poll(&wait, 1, 200) <= 0) continue;
    char buffer[4096];
    ssize_t got = read(sync[0], buffer, sizeof(buffer));
    if (got <= 0) break;
    report.append(buffer, static_cast<size_t>(got));
  }
  close(sync[0]);
  while (!report.empty() && report.back() == '\n') report.pop_back();
  if (report.starts_with("ok ")) return grpc::Status::OK;
  std::string why = report.starts_with("error ") ? report.substr(6)
                    : spawned.exit_code != 0   ? spawned.Describe()
                                               : "the container monitor gave no answer";
  return {grpc::StatusCode::FAILED_PRECONDITION, config_.runtime + " could not start the container: " + why};
}

int64_t PodRuntime::RecordNeverStarted(const std::string& id) {
  // What the monitor would have written had the container been killed at once.
  const auto path = ContainerDir(id) / "exit.json";
  const int64_t finished = NowNanos();
  {
    std::ofstream out(path.string() + ".tmp", std::ios::trunc);
    out << nlohmann::json{{"exitCode", 128 + SIGKILL}, {"finishedAt", finished}, {"signal", SIGKILL},
                          {"oomKilled", false}}
               .dump()
        << "\n";
  }
  std::filesystem::rename(path.string() + ".tmp", path);
  return finished;
}

grpc::Status PodRuntime::StartContainer(const std::string& id) {
  const std::string reservation = "start/" + id;
  Container container;  // a copy: the runtime runs without the lock
  {
    std::lock_guard lock(mutex_);
    auto found = containers_.find(id);
    if (found == containers_.end()) return {grpc::StatusCode::NOT_FOUND, "StartContainer: no container " + id};
    if (StateOf(found->second) != runtime::v1::CONTAINER_CREATED || !in_progress_.insert(reservation).second) {
      return {grpc::StatusCode::FAILED_PRECONDITION,
              "StartContainer: container " + id + " is not in the created state"};
    }
    container = found->second;
  }
  InProgress release{this, reservation};
  // Taken before the start: a short-lived process can exit before the runtime returns, and its
  // finish must not come before its start. The runtime runs without the lock, beside other
  // starts. It creates and starts the container in one call (`run --detach`), as containerd
  // leaves creating the runtime's container to the start: one process fewer per container than
  // `create` at CreateContainer and `start` here.
  const int64_t starting = NowNanos();
  grpc::Status ran = RunUnderMonitor(container);
  if (!ran.ok()) {
    RunProcess(Runtime({"delete", "--force", id}), std::chrono::seconds(30));
    return {ran.error_code(), "StartContainer: " + ran.error_message()};
  }
  std::lock_guard lock(mutex_);
  auto found = containers_.find(id);
  if (found == containers_.end()) return {grpc::StatusCode::NOT_FOUND, "StartContainer: container " + id + " was removed"};
  found->second.started_at = starting;
  SaveContainer(found->second, /*with_config=*/false);
  return grpc::Status::OK;
}

grpc::Status PodRuntime::StopContainerLocked(Container& container, int64_t timeout_seconds,
                                             std::unique_lock<std::mutex>& lock) {
  const std::string id = container.id;
  if (ExitOf(id)) return grpc::Status::OK;
  if (container.started_at == 0 && !in_progress_.contains("start/" + id)) {
    // Created but never started: the runtime has nothing of it to stop.
    // It counts as having run to an end, at once.
    container.started_at = RecordNeverStarted(id);
    SaveContainer(container, /*with_config=*/false);
    return grpc::Status::OK;
  }
  auto exited = [&] { return ExitOf(id).has_value(); };
  const runtime::v1::Signal stop = container.config.stop_signal();
  lock.unlock();  // the wait can be long; other containers' calls go on meanwhile
  if (timeout_seconds > 0) {
    RunProcess(Runtime({"kill", id, SignalName(stop)}), std::chrono::seconds(10));
    WaitFor(exited, std::chrono::seconds(timeout_seconds));
  }
  if (!exited()) {
    RunProcess(Runtime({"kill", "--all", id, "KILL"}), std::chrono::seconds(10));
    WaitFor(exited, std::chrono::seconds(30));
  }
  lock.lock();
  if (!exited()) return {grpc::StatusCode::DEADLINE_EXCEEDED, "container " + id + " did not stop after SIGKILL"};
  if (containers_.count(id) && containers_.at(id).started_at == 0) {
    // Killed while its start was under way, before StartContainer recorded it: it still counts
    // as having run to an end.
    containers_.at(id).started_at = ExitOf(id)->finished_at;
  }
  return grpc::Status::OK;
}

grpc::Status PodRuntime::StopContainer(const std::string& id, int64_t timeout_seconds) {
  std::unique_lock lock(mutex_);
  auto found = containers_.find(id);
  if (found == containers_.end()) return {grpc::StatusCode::NOT_FOUND, "StopContainer: no container " + id};
  grpc::Status status = StopContainerLocked(found->second, timeout_seconds, lock);
  if (!status.ok()) return {status.error_code(), "StopContainer: " + status.error_message()};
  return grpc::Status::OK;
}

void PodRuntime::DestroyContainerLocked(const Container& container) {
  RunProcess(Runtime({"delete", "--force", container.id}), std::chrono::seconds(30));
  auto dir = ContainerDir(container.id);
  umount2((dir / "bundle" / "rootfs").c_str(), MNT_DETACH);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  std::filesystem::remove_all(config_.root / "containers" / container.id, ignored);
}

grpc::Status PodRuntime::RemoveContainer(const std::string& id) {
  std::unique_lock lock(mutex_);
  auto found = containers_.find(id);
  if (found == containers_.end()) return grpc::Status::OK;  // idempotent
  grpc::Status stopped = StopContainerLocked(found->second, 0, lock);
  if (!stopped.ok()) return {stopped.error_code(), "RemoveContainer: " + stopped.error_message()};
  found = containers_.find(id);
  if (found == containers_.end()) return grpc::Status::OK;
  DestroyContainerLocked(found->second);
  containers_.erase(found);
  return grpc::Status::OK;
}

grpc::Status PodRuntime::ContainerStatus(const runtime::v1::ContainerStatusRequest& request,
                                         runtime::v1::ContainerStatusResponse* response) {
  std::lock_guard lock(mutex_);
  auto found = containers_.find(request.container_id());
  if (found == containers_.end()) {
    return {grpc::StatusCode::NOT_FOUND, "ContainerStatus: no container " + request.container_id()};
  }
  const Container& container = found->second;
  auto* status = response->mutable_status();
  status->set_id(container.id);
  *status->mutable_metadata() = container.config.metadata();
  status->set_state(StateOf(container));
  status->set_created_at(container.created_at);
  status->set_started_at(container.started_at);
  if (auto exit = ExitOf(container.id)) {
    status->set_finished_at(exit->finished_at);
    status->set_exit_code(exit->exit_code);
    status->set_reason(exit->oom_killed ? "OOMKilled" : exit->exit_code == 0 ? "Completed" : "Error");
  }
  *status->mutable_image() = container.config.image();
  status->mutable_image()->set_image(container.image_id);
  status->set_image_ref(container.image_id);
  status->set_image_id(container.image_id);
  status->mutable_labels()->insert(container.config.labels().begin(), container.config.labels().end());
  status->mutable_annotations()->insert(container.config.annotations().begin(), container.config.annotations().end());
  for (const auto& mount : container.config.mounts()) *status->add_mounts() = mount;
  status->set_log_path(container.log_path);
  *status->mutable_resources()->mutable_linux() = container.config.linux().resources();
  status->set_stop_signal(container.config.stop_signal());
  if (request.verbose()) {
    (*response->mutable_info())["info"] =
        nlohmann::json{{"pid", ContainerPid(container.id)}, {"sandboxID", container.sandbox_id}, {"cgroupsPath", container.cgroups_path}}.dump();
  }
  return grpc::Status::OK;
}

grpc::Status PodRuntime::ListContainers(const runtime::v1::ListContainersRequest& request,
                                        runtime::v1::ListContainersResponse* response) {
  std::lock_guard lock(mutex_);
  const auto& filter = request.filter();
  for (const auto& [id, container] : containers_) {
    if (!filter.id().empty() && !id.starts_with(filter.id())) continue;
    if (!filter.pod_sandbox_id().empty() && !container.sandbox_id.starts_with(filter.pod_sandbox_id())) continue;
    auto state = StateOf(container);
    if (filter.has_state() && filter.state().state() != state) continue;
    if (!MatchesLabels(container.config.labels(), filter.label_selector())) continue;
    auto* item = response->add_containers();
    item->set_id(id);
    item->set_pod_sandbox_id(container.sandbox_id);
    *item->mutable_metadata() = container.config.metadata();
    *item->mutable_image() = container.config.image();
    item->set_image_ref(container.image_id);
    item->set_image_id(container.image_id);
    item->set_state(state);
    item->set_created_at(container.created_at);
    item->mutable_labels()->insert(container.config.labels().begin(), container.config.labels().end());
    item->mutable_annotations()->insert(container.config.annotations().begin(), container.config.annotations().end());
  }
  return grpc::Status::OK;
}

grpc::Status PodRuntime::ExecSync(const runtime::v1::ExecSyncRequest& request, runtime::v1::ExecSyncResponse* response) {
  {
    std::lock_guard lock(mutex_);
    auto found = containers_.find(request.container_id());
    if (found == containers_.end()) return {grpc::StatusCode::NOT_FOUND, "ExecSync: no container " + request.container_id()};
    if (StateOf(found->second) != runtime::v1::CONTAINER_RUNNING) {
      return {grpc::StatusCode::FAILED_PRECONDITION, "ExecSync: container " + request.container_id() + " is not running"};
    }
  }
  if (request.cmd_size() == 0) return {grpc::StatusCode::INVALID_ARGUMENT, "ExecSync: no command"};
  std::vector<std::string> args = Runtime({"exec", request.container_id()});
  args.insert(args.end(), request.cmd().begin(), request.cmd().end());
  std::optional<std::chrono::milliseconds> timeout;
  if (request.timeout() > 0) timeout = std::chrono::seconds(request.timeout());
  ProcessResult result = RunProcess(args, timeout);
  if (result.timed_out) {
    return {grpc::StatusCode::DEADLINE_EXCEEDED,
            "ExecSync: command timed out after " + std::to_string(request.timeout()) + "s"};
  }
  response->set_stdout(result.out);
  response->set_stderr(result.err);
  response->set_exit_code(result.exit_code);
  return grpc::Status::OK;
}

grpc::Status PodRuntime::UpdateContainerResources(const runtime::v1::UpdateContainerResourcesRequest& request) {
  std::lock_guard lock(mutex_);
  auto found = containers_.find(request.container_id());
  if (found == containers_.end()) {
    return {grpc::StatusCode::NOT_FOUND, "UpdateContainerResources: no container " + request.container_id()};
  }
  try {
    nlohmann::json resources = OciResources(request.linux(), min_oom_score_adj_);
    auto file = ContainerDir(request.container_id()) / "resources.json";
    std::ofstream(file) << resources.dump();
    ProcessResult updated = RunProcess(Runtime({"update", "--resources", file.string(), request.container_id()}),
                                       std::chrono::seconds(30));
    if (updated.exit_code != 0) {
      return {grpc::StatusCode::FAILED_PRECONDITION, "UpdateContainerResources: " + updated.Describe()};
    }
  } catch (const InvalidContainerConfig& invalid) {
    return {grpc::StatusCode::INVALID_ARGUMENT, std::string("UpdateContainerResources: ") + invalid.what()};
  }
  *found->second.config.mutable_linux()->mutable_resources() = request.linux();
  SaveContainer(found->second, /*with_config=*/true);
  return grpc::Status::OK;
}

grpc::Status PodRuntime::ReopenContainerLog(const std::string& id) {
  std::unique_lock lock(mutex_);
  auto found = containers_.find(id);
  if (found == containers_.end()) return {grpc::StatusCode::NOT_FOUND, "ReopenContainerLog: no container " + id};
  if (StateOf(found->second) != runtime::v1::CONTAINER_RUNNING) {
    return {grpc::StatusCode::FAILED_PRECONDITION, "ReopenContainerLog: container " + id + " is not running"};
  }
  // The monitor is the container's parent: its pid is the session leader of the container's
  // process group, found through the container's parent process.
  std::ifstream stat("/proc/" + std::to_string(ContainerPid(id)) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  auto close_paren = text.rfind(')');
  int monitor = 0;
  if (close_paren != std::string::npos) {
    std::istringstream fields(text.substr(close_paren + 2));
    std::string state;
    fields >> state >> monitor;
  }
  const std::string log_path = found->second.log_path;
  if (monitor <= 1 || kill(monitor, SIGUSR1) != 0) {
    return {grpc::StatusCode::UNAVAILABLE, "ReopenContainerLog: the container's monitor is gone"};
  }
  lock.unlock();
  // The monitor reopens on its own time: answer once the log file is there again, so that a
  // monitor that could not open it is reported (and the caller can rename the old file back).
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  std::error_code ignored;
  while (!log_path.empty() && !std::filesystem::exists(log_path, ignored)) {
    if (std::chrono::steady_clock::now() > give_up) {
      return {grpc::StatusCode::UNAVAILABLE,
              "ReopenContainerLog: the monitor of container " + id + " did not reopen " + log_path};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return grpc::Status::OK;
}

void PodRuntime::FillStats(const Container& container, runtime::v1::ContainerStats* stats) const {
  const int64_t now = NowNanos();
  auto* attributes = stats->mutable_attributes();
  attributes->set_id(container.id);
  *attributes->mutable_metadata() = container.config.metadata();
  attributes->mutable_labels()->insert(container.config.labels().begin(), container.config.labels().end());
  attributes->mutable_annotations()->insert(container.config.annotations().begin(), container.config.annotations().end());
  CgroupUsage(container.cgroups_path, stats->mutable_cpu(), stats->mutable_memory());
  uint64_t inodes = 0;
  uint64_t bytes = DiskUsage(config_.root / "containers" / container.id / "upper", &inodes);
  stats->mutable_writable_layer()->set_timestamp(now);
  stats->mutable_writable_layer()->mutable_fs_id()->set_mountpoint((config_.root / "containers").string());
  stats->mutable_writable_layer()->mutable_used_bytes()->set_value(bytes);
  stats->mutable_writable_layer()->mutable_inodes_used()->set_value(inodes);
}

void PodRuntime::CgroupUsage(const std::string& cgroups_path, runtime::v1::CpuUsage* cpu,
                             runtime::v1::MemoryUsage* memory) const {
  const int64_t now = NowNanos();
  const bool v1 = std::filesystem::exists("/sys/fs/cgroup/memory");
  const std::string cpu_dir = v1 ? "/sys/fs/cgroup/cpuacct" + cgroups_path : "/sys/fs/cgroup" + cgroups_path;
  const std::string memory_dir = MemoryCgroup(cgroups_path);
  cpu->set_timestamp(now);
  cpu->mutable_usage_core_nano_seconds()->set_value(
      v1 ? ReadNumber(cpu_dir + "/cpuacct.usage") : StatValue(cpu_dir + "/cpu.stat", "usage_usec") * 1000);
  memory->set_timestamp(now);
  uint64_t usage = v1 ? ReadNumber(memory_dir + "/memory.usage_in_bytes") : ReadNumber(memory_dir + "/memory.current");
  uint64_t inactive = v1 ? StatValue(memory_dir + "/memory.stat", "total_inactive_file")
                         : StatValue(memory_dir + "/memory.stat", "inactive_file");
  memory->mutable_usage_bytes()->set_value(usage);
  memory->mutable_working_set_bytes()->set_value(usage > inactive ? usage - inactive : 0);
  memory->mutable_rss_bytes()->set_value(StatValue(memory_dir + "/memory.stat", v1 ? "total_rss" : "anon"));
}

void PodRuntime::FillSandboxStats(const Sandbox& sandbox, runtime::v1::PodSandboxStats* stats) const {
  auto* attributes = stats->mutable_attributes();
  attributes->set_id(sandbox.id);
  *attributes->mutable_metadata() = sandbox.config.metadata();
  attributes->mutable_labels()->insert(sandbox.config.labels().begin(), sandbox.config.labels().end());
  attributes->mutable_annotations()->insert(sandbox.config.annotations().begin(), sandbox.config.annotations().end());
  // The pod's cgroup holds every container of the pod: its usage is the pod's.
  CgroupUsage(sandbox.cgroup_parent, stats->mutable_linux()->mutable_cpu(), stats->mutable_linux()->mutable_memory());
  for (const auto& [id, container] : containers_) {
    if (container.sandbox_id == sandbox.id && StateOf(container) == runtime::v1::CONTAINER_RUNNING) {
      FillStats(container, stats->mutable_linux()->add_containers());
    }
  }
}

grpc::Status PodRuntime::PodSandboxStats(const std::string& id, runtime::v1::PodSandboxStats* stats) {
  std::lock_guard lock(mutex_);
  auto found = sandboxes_.find(id);
  if (found == sandboxes_.end()) return {grpc::StatusCode::NOT_FOUND, "PodSandboxStats: no pod sandbox " + id};
  FillSandboxStats(found->second, stats);
  return grpc::Status::OK;
}

grpc::Status PodRuntime::ListPodSandboxStats(const runtime::v1::ListPodSandboxStatsRequest& request,
                                             runtime::v1::ListPodSandboxStatsResponse* response) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, sandbox] : sandboxes_) {
    if (!request.filter().id().empty() && !id.starts_with(request.filter().id())) continue;
    if (MatchesLabels(sandbox.config.labels(), request.filter().label_selector()) && sandbox.ready) FillSandboxStats(sandbox, response->add_stats());
  }
  return grpc::Status::OK;
}

grpc::Status PodRuntime::ContainerStats(const std::string& id, runtime::v1::ContainerStats* stats) {
  std::lock_guard lock(mutex_);
  auto found = containers_.find(id);
  if (found == containers_.end()) return {grpc::StatusCode::NOT_FOUND, "ContainerStats: no container " + id};
  FillStats(found->second, stats);
  return grpc::Status::OK;
}

grpc::Status PodRuntime::ListContainerStats(const runtime::v1::ListContainerStatsRequest& request,
                                            runtime::v1::ListContainerStatsResponse* response) {
  std::lock_guard lock(mutex_);
  const auto& filter = request.filter();
  for (const auto& [id, container] : containers_) {
    if (!filter.id().empty() && !id.starts_with(filter.id())) continue;
    if (!filter.pod_sandbox_id().empty() && !container.sandbox_id.starts_with(filter.pod_sandbox_id())) continue;
    if (StateOf(container) != runtime::v1::CONTAINER_RUNNING) continue;
    FillStats(container, response->add_stats());
  }
  return grpc::Status::OK;
}

}  // namespace hostlet::oci
