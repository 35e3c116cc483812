// The node under a burst of pods, seen as clients see it: hostlet-server and the hostlet agent
// (the OCI runtime module on runc, the bridge network module) started as the end-to-end fixture
// starts them (tests/e2e/node_cluster.h), in a network namespace this program creates, with a
// cgroup root of its own and the busybox image of scripts/busybox-image.sh. Run as root.
//
//   (1) the agent idle with no pods: RSS, and CPU over 10 s;
//   (2) N pods (default 30) created at once by concurrent POSTs, each pod's startup latency
//       from its POST to a pod watch first showing it Running with every container ready
//       (Kubernetes' pod startup SLO: p99 under 5 s; target here: p99 under 0.5 s);
//   (3) with the N pods running: the agent's RSS (against the upstream kubelet's CI limit of
//       50 MiB for 10 pods and the 20 MiB target; that limit reads the summary API's rssBytes,
//       anonymous memory, so the agent's is compared too), the memory of the runtime's processes
//       outside the agent (the OCI module's per-container monitors; containerd and its shims) apart
//       from it, with PSS since most of their RSS is shared pages, and CPU over 10 s;
//   (4) all N deleted at once: time until the watch shows each gone (the agent confirms a
//       deletion once the pod's containers are stopped), and until the agent's pod
//       directories and the runtime's processes are gone.
// The OCI module runs its containers with runc, then with hostlet-runtime (the project's own OCI
// runtime), unless --oci-runtime names one of them; the memory figures are from the first.
// Then the same startup with containerd (Debian's, started by this program with directories of
// its own) as the agent's runtime, for the ratio, unless --no-containerd.
//
// Each runtime's state directory (bundles, runc's state, pinned namespaces; the OCI module's
// default is /run/hostlet/oci, containerd's /run/containerd) is a tmpfs this program mounts, as
// /run is on a standard host; images, writable layers, logs and the agent's own directories stay
// on the disk of the temporary directory.
//
// Usage: node_agent_bench [--pods N] [--oci-runtime runc|hostlet-runtime|both] [--no-containerd]
#include "bench/support/apiserver_client.h"
#include "tests/support/child_process.h"
#include "tests/support/containerd_config.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;
using hostlet::bench::Client;
using hostlet::bench::Endpoint;
using hostlet::bench::MemoryOf;
using hostlet::bench::ReadAll;
using hostlet::testing::ChildProcess;
using nlohmann::json;

constexpr const char* kNode = "bench-node";
constexpr double kSloSeconds = 5.0;
constexpr double kTargetSeconds = 0.5;
constexpr double kUpstreamLimitMib = 50.0;
constexpr double kTargetMib = 20.0;
constexpr auto kMeasureWindow = std::chrono::seconds(10);

// Set by SIGINT or SIGTERM: every wait gives up, so the cleanup still runs.
std::atomic<bool> interrupted{false};

void CheckInterrupted() {
  if (interrupted) throw std::runtime_error("interrupted");
}

// Waits for `condition`, polling; false once `timeout` has passed.
bool WaitFor(const std::function<bool()>& condition, std::chrono::seconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!condition()) {
    CheckInterrupted();
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

void Pause(std::chrono::seconds duration) {
  auto until = Clock::now() + duration;
  while (Clock::now() < until) {
    CheckInterrupted();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// A shell command's exit status. Not std::system, which ignores SIGINT while the command runs,
// so that an interruption then would be lost.
int Run(const std::string& command, bool quiet = false) {
  std::string line = command + (quiet ? " >/dev/null 2>&1" : "");
  const char* argv[] = {"/bin/sh", "-c", line.c_str(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char* const*>(argv), environ) !=
      0) {
    return -1;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// This thread, and every thread it starts from now on, in the network namespace `name`, where
// the apiserver listens on loopback; back in the namespace it was in when destroyed.
class NetnsScope {
 public:
  explicit NetnsScope(const std::string& name)
      : original_(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
    int target = open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    bool entered = target >= 0 && setns(target, CLONE_NEWNET) == 0;
    if (target >= 0) close(target);
    if (!entered) {
      close(original_);
      throw std::runtime_error("cannot enter network namespace " + name);
    }
  }
  ~NetnsScope() {
    setns(original_, CLONE_NEWNET);
    close(original_);
  }
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;

 private:
  int original_;
};

// utime + stime of a process, in seconds; -1 when it is gone.
double CpuSeconds(pid_t pid) {
  std::string stat = ReadAll("/proc/" + std::to_string(pid) + "/stat");
  auto paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  // After the command: state is field 3, utime 14 and stime 15.
  for (int i = 3; i < 14; ++i) fields >> field;
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A process is the runtime's when `belongs` says so of its executable and command line.
using Matcher = std::function<bool(const std::string& exe, const std::string& cmdline)>;

std::vector<pid_t> ProcessesOf(const Matcher& belongs) {
  std::vector<pid_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code error;
    auto exe = std::filesystem::read_symlink(entry.path() / "exe", error);
    if (error) continue;
    std::string cmdline = ReadAll(entry.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (belongs(exe.string(), cmdline)) pids.push_back(std::stoi(name));
  }
  return pids;
}

struct Usage {
  int processes = 0;
  double rss_mib = 0, anonymous_mib = 0, pss_mib = 0;
  double cpu_percent = 0;  // of one core, over the window
};

// For each group of processes: RSS at the end of a `kMeasureWindow` spent idle and CPU over it,
// summed over the group (re-listed at the end, so that a process that came or went in the window
// counts for what it was seen to use).
using ProcessGroup = std::function<std::vector<pid_t>()>;

std::vector<Usage> MeasureIdle(const std::vector<ProcessGroup>& groups) {
  std::map<pid_t, double> before;
  for (const auto& group : groups) {
    for (pid_t pid : group()) before[pid] = CpuSeconds(pid);
  }
  auto start = Clock::now();
  Pause(kMeasureWindow);
  double elapsed = Seconds(Clock::now() - start);
  std::vector<Usage> usages;
  for (const auto& group : groups) {
    Usage usage;
    double cpu = 0;
    for (pid_t pid : group()) {
      double now = CpuSeconds(pid);
      auto memory = MemoryOf(pid);
      if (now < 0 || memory.rss_mib < 0) continue;
      ++usage.processes;
      usage.rss_mib += memory.rss_mib;
      usage.anonymous_mib += memory.anonymous_mib;
      usage.pss_mib += memory.pss_mib;
      auto found = before.find(pid);
      cpu += now - (found == before.end() || found->second < 0 ? 0 : found->second);
    }
    usage.cpu_percent = 100.0 * cpu / elapsed;
    usages.push_back(usage);
  }
  return usages;
}

std::string PodJson(const std::string& name) {
  // The shell ends on SIGTERM, as a well-behaved workload does, so that deletion measures the
  // node's work rather than the 30 s grace period a bare `sleep` (PID 1, SIGTERM ignored) sits
  // out. IfNotPresent: the startup SLO leaves image pulls out, and the image is on the node.
  return json{{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"labels", {{"app", "node-bench"}}}}},
              {"spec",
               {{"restartPolicy", "Always"},
                {"containers",
                 {{{"name", "main"},
                   {"image", "localhost/busybox:latest"},
                   {"imagePullPolicy", "IfNotPresent"},
                   {"command", {"sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"}}}}}}}}
      .dump();
}

bool RunningAndReady(const json& pod) {
  const json status = pod.value("status", json::object());
  if (status.value("phase", "") != "Running") return false;
  auto statuses = status.value("containerStatuses", json::array());
  auto containers = pod.value("spec", json::object()).value("containers", json::array());
  if (statuses.size() != containers.size()) return false;
  return std::all_of(statuses.begin(), statuses.end(),
                     [](const json& s) { return s.value("ready", false); });
}

// The agent's container runtime: the OCI module in process, or containerd behind its socket.
enum class Runtime { kOciModule, kOciModuleNative, kContainerd };

// hostlet-server and the agent in a network namespace of their own, as the e2e fixture runs
// them; everything made here is removed when destroyed, whatever state the run was left in.
class Node {
 public:
  Node(const std::filesystem::path& dir, Runtime runtime) : dir_(dir), runtime_(runtime) {
    try {
      const std::string suffix =
          std::to_string(getpid()) + (runtime == Runtime::kContainerd        ? "c"
                                      : runtime == Runtime::kOciModuleNative ? "n"
                                                                             : "");
      netns_ = "hostlet-bench-" + suffix;
      cgroup_root_ = "/hostlet-bench-" + suffix;
      if (Run("ip netns add " + netns_) != 0) {
        throw std::runtime_error("cannot create a network namespace (run as root)");
      }
      netns_made_ = true;
      if (InNetns("ip link set lo up") != 0) throw std::runtime_error("no loopback in the netns");
      for (const char* sub : {"plugins", "images", "net.d", "manifests"}) {
        std::filesystem::create_directories(dir / sub);
      }
      MountStateTmpfs(runtime == Runtime::kContainerd ? dir / "containerd/state"
                                                      : dir / "oci-state");
      std::filesystem::copy_file(HOSTLET_OCI_RUNTIME, dir / "plugins/oci_runtime.so");
      std::filesystem::copy_file(HOSTLET_OCI_HELPER, dir / "plugins/hostlet-oci-helper");
      std::filesystem::copy_file(HOSTLET_OCI_UNPACK, dir / "plugins/hostlet-oci-unpack");
      std::filesystem::copy_file(HOSTLET_CNI_BRIDGE, dir / "plugins/cni_bridge.so");
      helper_ = std::filesystem::canonical(dir / "plugins/hostlet-oci-helper").string();
      if (Run(std::string(HOSTLET_SOURCE_DIR) + "/scripts/busybox-image.sh " +
                  (dir / "images/busybox.tar").string(),
              true) != 0) {
        throw std::runtime_error("scripts/busybox-image.sh failed (is busybox-static installed?)");
      }
      std::ofstream(dir / "net.d/10-bench.conflist") << Conflist("hlbench0", false).dump();
      server_.emplace(
          std::vector<std::string>{"/usr/bin/nsenter", "--net=/run/netns/" + netns_,
                                   HOSTLET_SERVER_BINARY, "--data-dir", (dir / "server").string(),
                                   "--listen", "127.0.0.1:0"},
          (dir / "server.log").string());
      if (!WaitFor([&] { return std::filesystem::exists(dir / "server/admin.kubeconfig"); },
                   std::chrono::seconds(60))) {
        throw std::runtime_error("hostlet-server did not start:\n" + ReadAll(dir / "server.log"));
      }
      endpoint_ = hostlet::bench::EndpointOf(dir / "server");
      if (runtime == Runtime::kContainerd) StartContainerd();
      StartAgent();
    } catch (...) {
      Cleanup();
      throw;
    }
  }

  ~Node() { Cleanup(); }

  void StopServer() {
    if (server_) server_->Stop(SIGTERM, std::chrono::seconds(10));
    server_.reset();
  }

 private:
  void Cleanup() {
    // The agent first, by its PID, then the server; containerd's containers through containerd,
    // then containerd. The OCI module's containers, mounts, the bridge and the cgroups go the way
    // `make down` removes them, inside the namespace; then the namespace.
    if (agent_) agent_->Stop(SIGTERM, std::chrono::seconds(30));
    agent_.reset();
    StopServer();
    if (containerd_) {
      RemoveContainerdTasks();
      containerd_->Stop(SIGTERM, std::chrono::seconds(20));
      containerd_.reset();
      // A shim whose container is gone exits by itself; one that did not is ended by its PID.
      for (pid_t pid : RuntimeProcesses()) kill(pid, SIGKILL);
    }
    if (netns_made_) {
      InNetns(std::string(HOSTLET_SOURCE_DIR) + "/scripts/node-cleanup.sh " + dir_.string() + " " +
              cgroup_root_ + " " +
              (runtime_ == Runtime::kOciModuleNative ? HOSTLET_NATIVE_RUNTIME : "runc"));
      Run("ip netns delete " + netns_);
    }
    // Detached: a mount some runtime process still holds below it must not keep it.
    if (!state_tmpfs_.empty()) umount2(state_tmpfs_.c_str(), MNT_DETACH);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

 public:
  const Endpoint& endpoint() const { return endpoint_; }
  const std::string& netns() const { return netns_; }
  pid_t agent_pid() const { return agent_->pid(); }
  const std::filesystem::path& dir() const { return dir_; }

  // The runtime's processes outside the agent: the OCI module's per-container monitors (this
  // node's copy of hostlet-oci-helper), or containerd and its shims for this node's socket.
  std::vector<pid_t> RuntimeProcesses() const {
    if (runtime_ != Runtime::kContainerd) {
      return ProcessesOf(
          [&](const std::string& exe, const std::string&) { return exe == helper_; });
    }
    const std::string socket = (dir_ / "containerd/containerd.sock").string();
    return ProcessesOf([&](const std::string& exe, const std::string& cmdline) {
      bool shim = exe.ends_with("/containerd-shim-runc-v2") &&
                  cmdline.find(" -address " + socket + " ") != std::string::npos;
      bool daemon = containerd_ && exe.ends_with("/containerd") &&
                    cmdline.find((dir_ / "containerd/config.toml").string()) != std::string::npos;
      return shim || daemon;
    });
  }

  bool PodDirectoriesGone() const {
    std::error_code error;
    return !std::filesystem::exists(dir_ / "root/pods", error) ||
           std::filesystem::is_empty(dir_ / "root/pods", error);
  }

  // The end of the agent's log, for a failure's message (the log goes with the node).
  std::string AgentLog() const {
    std::string log = ReadAll(dir_ / "agent.log");
    return log.size() > 8000 ? "..." + log.substr(log.size() - 8000) : log;
  }

 private:
  // The e2e fixture's network: the bridge module alone for the agent; containerd, which runs
  // the chain's plugins as binaries, also gets loopback, as in the CRI tests.
  json Conflist(const std::string& bridge, bool loopback) const {
    json conflist = {{"cniVersion", "1.0.0"},
                     {"name", "bench"},
                     {"plugins",
                      {{{"type", "bridge"},
                        {"bridge", bridge},
                        {"isGateway", true},
                        {"ipMasq", false},
                        {"ipam",
                         {{"type", "host-local"},
                          {"dataDir", (dir_ / "ipam").string()},
                          {"ranges", {{{{"subnet", "10.252.10.0/24"}}}}},
                          {"routes", {{{"dst", "0.0.0.0/0"}}}}}}}}}};
    if (loopback) conflist["plugins"].push_back({{"type", "loopback"}});
    return conflist;
  }

  int InNetns(const std::string& command) const {
    return Run("nsenter --net=/run/netns/" + netns_ + " " + command);
  }

  void StartAgent() {
    json oci = {{"root", (dir_ / "oci-root").string()}, {"state", (dir_ / "oci-state").string()}};
    if (runtime_ == Runtime::kOciModuleNative) oci["runtime"] = HOSTLET_NATIVE_RUNTIME;
    std::vector<std::string> argv{"/usr/bin/nsenter",
                                  "--net=/run/netns/" + netns_,
                                  HOSTLET_AGENT_BINARY,
                                  "--kubeconfig",
                                  (dir_ / "server/admin.kubeconfig").string(),
                                  "--node-name",
                                  kNode,
                                  "--root-dir",
                                  (dir_ / "root").string(),
                                  "--pod-logs-dir",
                                  (dir_ / "pod-logs").string(),
                                  "--images-dir",
                                  (dir_ / "images").string(),
                                  "--static-pod-path",
                                  (dir_ / "manifests").string(),
                                  "--cgroup-root",
                                  cgroup_root_,
                                  "--plugin-dir",
                                  (dir_ / "plugins").string(),
                                  "--plugin-config",
                                  "oci=" + oci.dump(),
                                  "--socket-dir",
                                  (dir_ / "sockets").string(),
                                  "--cni-conf-dir",
                                  (dir_ / "net.d").string(),
                                  "--cni-cache-dir",
                                  (dir_ / "cni-cache").string()};
    if (runtime_ == Runtime::kContainerd) {
      argv.insert(argv.end(), {"--container-runtime-endpoint",
                               "unix://" + (dir_ / "containerd/containerd.sock").string()});
    }
    agent_.emplace(argv, (dir_ / "agent.log").string());
  }

  // Debian's containerd with root, state, sockets and CNI configuration of its own, in the
  // namespace; the busybox image imported into its k8s.io namespace, and a sandbox image made
  // from busybox whose command never returns (there is no registry to pull a pause image from).
  void StartContainerd() {
    auto work = dir_ / "containerd";
    std::filesystem::create_directories(work / "cni");
    std::ofstream(work / "cni/10-bench.conflist") << Conflist("hlbenchc0", true).dump();
    // Network namespaces pinned under its state directory rather than the host's /run/netns.
    std::ofstream(work / "config.toml")
        << hostlet::testing::ContainerdConfig(work, "localhost/pause:bench", work / "cni",
                                              "  netns_mounts_under_state_dir = true\n")
        << "      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
        << "        Root = \"" << (work / "runc").string() << "\"\n";
    containerd_.emplace(std::vector<std::string>{"/usr/bin/nsenter", "--net=/run/netns/" + netns_,
                                                 "/usr/bin/containerd", "--config",
                                                 (work / "config.toml").string()},
                        (work / "containerd.log").string());
    const std::string ctr =
        "/usr/bin/ctr --address " + (work / "containerd.sock").string() + " --namespace k8s.io ";
    if (!WaitFor([&] { return Run(ctr + "version", true) == 0; }, std::chrono::seconds(60))) {
      throw std::runtime_error("containerd did not come up:\n" + ReadAll(work / "containerd.log"));
    }
    if (Run(ctr + "images import " + (dir_ / "images/busybox.tar").string(), true) != 0 ||
        Run(ctr + "images import " + MakePauseImage(work).string(), true) != 0) {
      throw std::runtime_error("cannot import the images into containerd");
    }
  }

  // The busybox archive again under another name, its command `sleep` forever: a sandbox
  // container only has to hold the pod's namespaces.
  std::filesystem::path MakePauseImage(const std::filesystem::path& work) const {
    auto image = work / "pause-image";
    std::filesystem::create_directories(image);
    auto archive = work / "pause.tar";
    const std::string script = "set -e; " + std::string(HOSTLET_SOURCE_DIR) +
                               "/scripts/busybox-image.sh " + (work / "busybox.tar").string() +
                               " localhost/pause:bench >/dev/null; tar -C " + image.string() +
                               " -xf " + (work / "busybox.tar").string();
    if (Run("bash -c '" + script + "'") != 0) throw std::runtime_error("no pause image");
    json manifest = json::parse(ReadAll(image / "manifest.json"));
    std::string old_config = manifest[0]["Config"];
    json config = json::parse(ReadAll(image / old_config));
    config["config"]["Cmd"] = {"sleep", "2147483647"};
    std::string text = config.dump();
    std::filesystem::remove(image / old_config);
    // A docker-save archive's config may have any name; only the manifest points at it.
    std::ofstream(image / "pause-config.json") << text;
    manifest[0]["Config"] = "pause-config.json";
    std::ofstream(image / "manifest.json") << manifest.dump();
    if (Run("tar -C " + image.string() + " -cf " + archive.string() + " .") != 0) {
      throw std::runtime_error("cannot pack the pause image");
    }
    return archive;
  }

  // Whatever containers a failed run left in containerd: killed, then removed with their tasks,
  // so that their shims exit and their mounts and cgroups can go.
  void RemoveContainerdTasks() const {
    const std::string ctr = "/usr/bin/ctr --address " +
                            (dir_ / "containerd/containerd.sock").string() + " --namespace k8s.io ";
    Run("for id in $(" + ctr + "containers ls -q 2>/dev/null); do " + ctr +
            "tasks kill -s SIGKILL $id; " + ctr + "tasks rm -f $id; " + ctr +
            "containers rm $id; done",
        true);
  }

  void MountStateTmpfs(const std::filesystem::path& state) {
    std::filesystem::create_directories(state);
    if (mount("tmpfs", state.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0711") != 0) {
      throw std::runtime_error("cannot mount a tmpfs on " + state.string() + ": " +
                               std::strerror(errno));
    }
    state_tmpfs_ = state;
  }

  std::filesystem::path dir_;
  Runtime runtime_;
  std::filesystem::path state_tmpfs_;  // unmounted by Cleanup
  std::string netns_, cgroup_root_, helper_;
  bool netns_made_ = false;
  Endpoint endpoint_;
  std::optional<ChildProcess> containerd_, server_, agent_;
};

// One watch on the default namespace's pods for the whole burst: when each pod was first seen
// running and ready, and when it was seen deleted.
class PodWatch {
 public:
  // `abort` ends the watch from outside (by stopping the server) when the run fails before
  // every pod is deleted.
  PodWatch(const Endpoint& endpoint, const std::vector<std::string>& names,
           std::function<void()> abort)
      : abort_(std::move(abort)) {
    for (size_t i = 0; i < names.size(); ++i) index_[names[i]] = i;
    for (auto& times : seen_) times.resize(names.size());
    Client client(endpoint);
    std::string list;
    if (client.Call(http::verb::get, "/api/v1/namespaces/default/pods", "", &list) != 200) {
      throw std::runtime_error("cannot list pods");
    }
    std::string rv = json::parse(list)["metadata"]["resourceVersion"];
    std::promise<void> opened;
    auto open = opened.get_future();
    thread_ = std::thread([this, endpoint, rv, opened = std::move(opened)]() mutable {
      Client watcher(endpoint);
      bool told = false;
      try {
        hostlet::bench::Watch(
            watcher,
            "/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=900&resourceVersion=" + rv,
            [&] {
              told = true;
              opened.set_value();
            },
            [this](const json& event) { return OnEvent(event); });
      } catch (const std::exception& error) {
        std::cerr << "node_agent_bench: the watch ended: " << error.what() << "\n";
      }
      ended_ = true;
      if (!told) opened.set_value();
    });
    open.wait();
  }
  ~PodWatch() {
    // After the last deletion the watch ends by itself; otherwise it is ended.
    auto deadline = Clock::now() + std::chrono::seconds(2);
    while (!ended_ && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!ended_) abort_();
    thread_.join();
  }

  // What the watch shows of a pod, in the order it happens: bound to the node by the
  // scheduler, running with every container ready, deleted.
  enum Seen { kBound = 0, kRunning, kDeleted, kStages };

  // Waits until every pod was seen so; then when each was. A stage a pod went through between
  // two events counts as seen at the later one.
  std::vector<Clock::time_point> AwaitAll(Seen what, std::chrono::seconds timeout) const {
    auto count = [&] {
      std::lock_guard lock(mutex_);
      long pods = 0;
      for (size_t i = 0; i < index_.size(); ++i) {
        for (int stage = what; stage < kStages; ++stage) {
          if (seen_[stage][i]) {
            ++pods;
            break;
          }
        }
      }
      return pods;
    };
    WaitFor([&] { return count() == static_cast<long>(index_.size()) || ended_; }, timeout);
    if (long missing = static_cast<long>(index_.size()) - count(); missing > 0) {
      throw std::runtime_error(std::to_string(missing) + " pods never " +
                               (what == kRunning ? "ran" : "went"));
    }
    std::lock_guard lock(mutex_);
    std::vector<Clock::time_point> times;
    for (size_t i = 0; i < index_.size(); ++i) {
      int stage = what;
      while (!seen_[stage][i]) ++stage;
      times.push_back(*seen_[stage][i]);
    }
    return times;
  }

 private:
  bool OnEvent(const json& event) {
    auto now = Clock::now();
    if (!event.contains("object") || !event["object"].contains("metadata")) return true;
    auto found = index_.find(event["object"]["metadata"].value("name", ""));
    if (found == index_.end()) return true;
    std::lock_guard lock(mutex_);
    const json& pod = event["object"];
    auto seen = [&](Seen stage, bool now_so) {
      auto& time = seen_[stage][found->second];
      if (now_so && !time) time = now;
    };
    seen(kBound, !pod.value("spec", json::object()).value("nodeName", "").empty());
    seen(kRunning, RunningAndReady(pod));
    seen(kDeleted, event.value("type", "") == "DELETED");
    return std::count_if(seen_[kDeleted].begin(), seen_[kDeleted].end(),
                         [](auto& t) { return t.has_value(); }) < static_cast<long>(index_.size());
  }

  std::map<std::string, size_t> index_;
  mutable std::mutex mutex_;
  std::vector<std::optional<Clock::time_point>> seen_[kStages];
  std::atomic<bool> ended_{false};
  std::function<void()> abort_;
  std::thread thread_;
};

// Each of `names` sent by a client of its own, all released together; when each request left.
std::vector<Clock::time_point> AllAtOnce(
    const Endpoint& endpoint, const std::vector<std::string>& names,
    const std::function<bool(Client&, const std::string&)>& call, const char* what) {
  std::vector<Clock::time_point> sent(names.size());
  std::latch connected(static_cast<std::ptrdiff_t>(names.size()));
  std::latch go(1);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < names.size(); ++i) {
    threads.emplace_back([&, i] {
      Client client(endpoint);
      bool ready = false;
      try {
        ready = client.Call(http::verb::get, "/version") == 200;  // connected before the start
      } catch (const std::exception&) {
      }
      connected.count_down();
      go.wait();
      sent[i] = Clock::now();
      try {
        if (!ready || !call(client, names[i])) ++failures;
      } catch (const std::exception&) {
        ++failures;
      }
    });
  }
  connected.wait();
  go.count_down();
  for (auto& thread : threads) thread.join();
  if (failures > 0) {
    throw std::runtime_error(std::to_string(failures.load()) + " " + what + " requests failed");
  }
  return sent;
}

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};

// Nearest rank: with 30 samples p99 is the largest.
Percentiles PercentilesOf(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  auto at = [&](double q) {
    size_t rank = static_cast<size_t>(std::ceil(q * values.size()));
    return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
  };
  return {at(0.50), at(0.90), at(0.99), values.back()};
}

// Each request's latency, from when it was sent to when the watch saw its pod so; `*all` from
// the first sent to the last seen.
Percentiles Latencies(const std::vector<Clock::time_point>& sent,
                      const std::vector<Clock::time_point>& seen, double* all) {
  std::vector<double> seconds;
  for (size_t i = 0; i < sent.size(); ++i) seconds.push_back(Seconds(seen[i] - sent[i]));
  *all = Seconds(*std::max_element(seen.begin(), seen.end()) -
                 *std::min_element(sent.begin(), sent.end()));
  return PercentilesOf(seconds);
}

struct BurstResult {
  Percentiles startup;       // seconds, POST to running and ready
  Percentiles bound;         // seconds, POST to bound to the node by the scheduler
  double all_running_s = 0;  // first POST to the last pod running
  Percentiles teardown;      // seconds, DELETE to gone from the apiserver
  double all_gone_s = 0;     // first DELETE to the last pod gone
  double cleaned_s = 0;      // first DELETE to no pod directory or runtime process left
  Usage agent_idle, runtime_idle, agent_busy, runtime_busy;
};

void PrintUsage(const char* label, const Usage& usage) {
  std::printf("  %-40s RSS %6.1f MiB (anonymous %5.1f, PSS %5.1f), CPU %5.2f%% of one core", label,
              usage.rss_mib, usage.anonymous_mib, usage.pss_mib, usage.cpu_percent);
  if (usage.processes != 1) std::printf(", %d processes", usage.processes);
  std::printf("\n");
}

BurstResult Burst(const std::filesystem::path& dir, Runtime runtime, int pods) {
  Node node(dir, runtime);
  NetnsScope in_netns(node.netns());
  Client admin(node.endpoint());
  if (!WaitFor([&] { return admin.Call(http::verb::get, "/api/v1/namespaces/default") == 200; },
               std::chrono::seconds(60))) {
    throw std::runtime_error("hostlet-server never became ready");
  }
  auto node_ready = [&] {
    std::string body;
    if (admin.Call(http::verb::get, std::string("/api/v1/nodes/") + kNode, "", &body) != 200) {
      return false;
    }
    auto conditions = json::parse(body)["status"].value("conditions", json::array());
    return std::any_of(conditions.begin(), conditions.end(), [](const json& c) {
      return c.value("type", "") == "Ready" && c.value("status", "") == "True";
    });
  };
  if (!WaitFor(node_ready, std::chrono::seconds(90))) {
    throw std::runtime_error("the node never became Ready; agent log:\n" + node.AgentLog());
  }
  BurstResult result;
  ProcessGroup agent = [&] { return std::vector<pid_t>{node.agent_pid()}; };
  ProcessGroup runtime_side = [&] { return node.RuntimeProcesses(); };
  Pause(std::chrono::seconds(5));  // past the start-up work
  auto idle = MeasureIdle({agent, runtime_side});
  result.agent_idle = idle[0];
  result.runtime_idle = idle[1];

  auto await_all = [&](PodWatch& watch, PodWatch::Seen what) {
    try {
      return watch.AwaitAll(what, std::chrono::seconds(300));
    } catch (const std::exception& error) {
      if (interrupted) throw;
      throw std::runtime_error(std::string(error.what()) + "; agent log:\n" + node.AgentLog());
    }
  };
  std::vector<std::string> names;
  for (int i = 0; i < pods; ++i) names.push_back("burst-" + std::to_string(i));
  PodWatch watch(node.endpoint(), names, [&] { node.StopServer(); });
  auto created = AllAtOnce(
      node.endpoint(), names,
      [](Client& client, const std::string& name) {
        return client.Call(http::verb::post, "/api/v1/namespaces/default/pods", PodJson(name)) ==
               201;
      },
      "create");
  result.startup = Latencies(created, await_all(watch, PodWatch::kRunning), &result.all_running_s);
  double unused;
  result.bound = Latencies(created, watch.AwaitAll(PodWatch::kBound, {}), &unused);

  Pause(std::chrono::seconds(5));  // past the status updates that follow the starts
  auto busy = MeasureIdle({agent, runtime_side});
  result.agent_busy = busy[0];
  result.runtime_busy = busy[1];

  auto deleting = AllAtOnce(
      node.endpoint(), names,
      [](Client& client, const std::string& name) {
        int status = client.Call(http::verb::delete_, "/api/v1/namespaces/default/pods/" + name);
        return status == 200 || status == 202;
      },
      "delete");
  result.teardown = Latencies(deleting, await_all(watch, PodWatch::kDeleted), &result.all_gone_s);
  auto first_delete = *std::min_element(deleting.begin(), deleting.end());
  // containerd itself stays; the OCI module's monitors and every shim go with their pods.
  size_t daemons = runtime == Runtime::kContainerd ? 1 : 0;
  if (!WaitFor(
          [&] { return node.PodDirectoriesGone() && node.RuntimeProcesses().size() <= daemons; },
          std::chrono::seconds(120))) {
    throw std::runtime_error("pod directories or runtime processes are left after deletion");
  }
  result.cleaned_s = Seconds(Clock::now() - first_delete);
  return result;
}

void PrintBurst(const char* runtime, int pods, const BurstResult& r) {
  std::printf("\n%s: %d pods created at once\n", runtime, pods);
  std::printf(
      "  startup (POST to Running+ready in a watch): p50 %.3f s, p90 %.3f s, p99 %.3f s, "
      "max %.3f s; all %d running after %.3f s\n",
      r.startup.p50, r.startup.p90, r.startup.p99, r.startup.max, pods, r.all_running_s);
  std::printf("    of which POST to bound by the scheduler: p50 %.3f s, p99 %.3f s\n", r.bound.p50,
              r.bound.p99);
  std::printf("  p99 / %.1f s SLO: %.3f (%s)   p99 / %.1f s target: %.3f (%s)\n", kSloSeconds,
              r.startup.p99 / kSloSeconds, r.startup.p99 <= kSloSeconds ? "met" : "missed",
              kTargetSeconds, r.startup.p99 / kTargetSeconds,
              r.startup.p99 <= kTargetSeconds ? "met" : "missed");
  std::printf(
      "  teardown (DELETE to gone in the watch): p50 %.3f s, p99 %.3f s; all gone after "
      "%.3f s; pod directories and runtime processes gone after %.3f s\n",
      r.teardown.p50, r.teardown.p99, r.all_gone_s, r.cleaned_s);
}

void OnSignal(int) { interrupted = true; }

}  // namespace

int main(int argc, char** argv) {
  int pods = 30;
  bool with_containerd = true;
  std::string oci_runtimes = "both";  // which OCI runtime the module drives
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--no-containerd") {
      with_containerd = false;
    } else if (flag == "--pods" && i + 1 < argc) {
      pods = std::clamp(std::atoi(argv[++i]), 1, 100);
    } else if (flag == "--oci-runtime" && i + 1 < argc &&
               (std::string(argv[i + 1]) == "runc" || std::string(argv[i + 1]) == "hostlet-runtime" ||
                std::string(argv[i + 1]) == "both")) {
      oci_runtimes = argv[++i];
    } else {
      std::cerr << "usage: node_agent_bench [--pods N] [--oci-runtime runc|hostlet-runtime|both] "
                   "[--no-containerd]\n";
      return 2;
    }
  }
  if (geteuid() != 0) {
    std::cerr << "node_agent_bench: needs root (network namespaces, cgroups, runc)\n";
    return 2;
  }
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  std::string pattern =
      (std::filesystem::temp_directory_path() / "hostlet-node-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return 1;
  std::filesystem::path dir = pattern;
  int exit_code = 0;
  try {
    std::optional<BurstResult> on_runc;
    std::optional<BurstResult> on_native;
    if (oci_runtimes != "hostlet-runtime") on_runc = Burst(dir / "oci", Runtime::kOciModule, pods);
    if (oci_runtimes != "runc") on_native = Burst(dir / "native", Runtime::kOciModuleNative, pods);
    const BurstResult& oci = on_runc ? *on_runc : *on_native;
    std::printf("\nthe agent (OCI runtime module on %s, bridge network module)\n",
                on_runc ? "runc" : "hostlet-runtime");
    PrintUsage("agent idle, no pods:", oci.agent_idle);
    PrintUsage(("agent with " + std::to_string(pods) + " pods:").c_str(), oci.agent_busy);
    PrintUsage("runtime side (per-container monitors):", oci.runtime_busy);
    for (const auto& [label, usage] :
         {std::pair{"idle", oci.agent_idle}, std::pair{"with pods", oci.agent_busy}}) {
      std::printf(
          "  agent RSS %s / %.0f MiB upstream CI limit: %.2f   / %.0f MiB target: %.2f (%s)\n",
          label, kUpstreamLimitMib, usage.rss_mib / kUpstreamLimitMib, kTargetMib,
          usage.rss_mib / kTargetMib, usage.rss_mib <= kTargetMib ? "met" : "missed");
      // The upstream limit is checked against the summary API's rssBytes, which is the cgroup's
      // anonymous memory (and swap cache), not /proc's RSS with its file-backed library pages.
      std::printf(
          "  agent anonymous memory %s (what the upstream CI limit measures as rssBytes) / "
          "%.0f MiB limit: %.2f   / %.0f MiB target: %.2f (%s)\n",
          label, kUpstreamLimitMib, usage.anonymous_mib / kUpstreamLimitMib, kTargetMib,
          usage.anonymous_mib / kTargetMib, usage.anonymous_mib <= kTargetMib ? "met" : "missed");
    }
    if (on_runc) PrintBurst("hostlet OCI module on runc", pods, *on_runc);
    if (on_native) PrintBurst("hostlet OCI module on hostlet-runtime", pods, *on_native);
    if (on_runc && on_native) {
      std::printf("  startup p99 runc / hostlet-runtime: %.2fx; p50 %.2fx; teardown all gone %.2fx\n",
                  on_runc->startup.p99 / on_native->startup.p99,
                  on_runc->startup.p50 / on_native->startup.p50,
                  on_runc->all_gone_s / on_native->all_gone_s);
    }
    if (with_containerd) {
      std::optional<BurstResult> peer;
      try {
        peer = Burst(dir / "containerd", Runtime::kContainerd, pods);
      } catch (const std::exception& error) {
        if (interrupted) throw;
        std::printf("\ncontainerd peer skipped: %s\n", error.what());
      }
      if (peer) {
        PrintBurst("containerd 1.6 (the agent over CRI)", pods, *peer);
        PrintUsage("agent with pods, over CRI:", peer->agent_busy);
        PrintUsage("runtime side (containerd + shims):", peer->runtime_busy);
        PrintUsage("containerd idle, no pods:", peer->runtime_idle);
        for (const auto& [name, ours] : {std::pair{"runc", on_runc}, std::pair{"hostlet-runtime", on_native}}) {
          if (!ours) continue;
          std::printf(
              "  startup p99 containerd / OCI module on %s: %.2fx; p50 %.2fx; teardown all gone "
              "%.2fx\n",
              name, peer->startup.p99 / ours->startup.p99, peer->startup.p50 / ours->startup.p50,
              peer->all_gone_s / ours->all_gone_s);
        }
        std::printf("  runtime-side RSS with %d pods, containerd / OCI module: %.1fx\n", pods,
                    peer->runtime_busy.rss_mib / oci.runtime_busy.rss_mib);
      }
    }
  } catch (const std::exception& error) {
    std::cerr << "node_agent_bench: " << error.what() << "\n";
    exit_code = 1;
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return exit_code;
}
