// `run`: the container's first process, cloned into its new namespaces. The parent puts it in
// its cgroup, then lets it build its root and exec; the child's error pipe closes on a
// successful exec (close-on-exec) or carries the reason it stopped.
#include "plugins/runtime/native/cgroups.h"
#include "plugins/runtime/native/commands.h"
#include "plugins/runtime/native/container_state.h"
#include "plugins/runtime/native/process_setup.h"
#include "plugins/runtime/native/rootfs.h"
#include "plugins/runtime/oci/util/clock.h"
#include "plugins/runtime/oci/util/files.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

namespace hostlet::native {
namespace {

const std::map<std::string, int> kNamespaceFlags = {
    {"pid", CLONE_NEWPID}, {"mount", CLONE_NEWNS}, {"network", CLONE_NEWNET},
    {"uts", CLONE_NEWUTS}, {"ipc", CLONE_NEWIPC},  {"cgroup", CLONE_NEWCGROUP}};

struct ChildContext {
  const Spec* spec;
  const ContainerCgroup* cgroup;
  SeccompFilter* seccomp;
  std::vector<std::pair<int, int>> join;  // (fd, CLONE_NEW*) of namespaces given by path
  int go_read;                            // the parent writes one byte once the cgroup is joined
  int go_write;                           // the parent's end, closed in the child
  int error_write;
};

[[noreturn]] void ChildFail(const ChildContext& context, const std::string& message) {
  if (write(context.error_write, message.data(), message.size()) < 0) {
    // The parent is gone: nobody is left to tell.
  }
  _exit(1);
}

void ChildSteps(const ChildContext& context) {
  char go = 0;
  if (read(context.go_read, &go, 1) != 1) _exit(1);  // the parent gave up
  for (const auto& [fd, type] : context.join) {
    if (setns(fd, type) != 0)
      ChildFail(context, std::string("joining a namespace: ") + std::strerror(errno));
  }
  const Spec& spec = *context.spec;
  // A new cgroup namespace is made only now, so that its root is the container's cgroup the
  // parent has just moved this process into.
  const NamespaceSpec* cgroup_ns = spec.Namespace("cgroup");
  if (cgroup_ns && cgroup_ns->path.empty() && unshare(CLONE_NEWCGROUP) != 0) {
    ChildFail(context, std::string("making the cgroup namespace: ") + std::strerror(errno));
  }
  // Sysctls are written through the host's /proc while it is still reachable; each applies to
  // the namespace of its kind this process is now in (the spec reader allows no other).
  for (const auto& [key, value] : spec.sysctl) {
    std::string file = key;
    std::replace(file.begin(), file.end(), '.', '/');
    file = "/proc/sys/" + file;
    std::ofstream out(file);
    if (!(out << value) || !out.flush())
      ChildFail(context, "setting sysctl " + key + " to " + value);
  }
  if (std::string error = PrepareRoot(spec, *context.cgroup); !error.empty())
    ChildFail(context, error);
  const NamespaceSpec* uts = spec.Namespace("uts");
  if (uts && uts->path.empty() && !spec.hostname.empty() &&
      sethostname(spec.hostname.data(), spec.hostname.size()) != 0) {
    ChildFail(context, "setting the hostname: " + std::string(std::strerror(errno)));
  }
  if (std::string error = FinishRoot(spec); !error.empty()) ChildFail(context, error);
  ChildFail(context, ExecProcess(spec.process, context.seccomp, /*die_with_parent=*/false));
}

int ChildMain(void* argument) {
  const ChildContext& context = *static_cast<ChildContext*>(argument);
  // Only the parent may hold the sending end: if it dies, the read below ends instead of waiting.
  close(context.go_write);
  try {
    ChildSteps(context);
  } catch (const std::exception& error) {
    ChildFail(context, error.what());
  } catch (...) {
    ChildFail(context, "the container's setup failed");
  }
  ChildFail(context, "the container's process stopped before its exec");
}

// Whether the spec's sysctls include one of the namespace kind `type`.
bool NeedsOwn(const Spec& spec, const std::string& type) {
  for (const auto& [key, value] : spec.sysctl) {
    if (SysctlNamespace(key) == type) return true;
  }
  return false;
}

// Whether the namespace at `path` is the one this process (on the host) is in.
bool SameAsOurs(const std::string& path, const std::string& type) {
  static const std::map<std::string, std::string> kProcNames = {
      {"network", "net"}, {"uts", "uts"},   {"ipc", "ipc"},
      {"pid", "pid"},     {"mount", "mnt"}, {"cgroup", "cgroup"}};
  struct stat theirs {
  }, ours{};
  return stat(path.c_str(), &theirs) == 0 &&
         stat(("/proc/self/ns/" + kProcNames.at(type)).c_str(), &ours) == 0 &&
         theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev;
}

// Undoes a start that failed part-way: the child, the cgroup, the state directory.
class StartGuard {
 public:
  StartGuard(const std::filesystem::path& dir, const ContainerCgroup& cgroup)
      : dir_(dir), cgroup_(cgroup) {}
  ~StartGuard() {
    if (done_) return;
    if (child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
    // Whatever the child started before it failed (without a PID namespace of its own, its
    // processes outlive it) is in its cgroup.
    if (cgroup_created_) {
      for (int attempt = 0; attempt < 100 && !cgroup_.Pids().empty(); ++attempt) {
        for (pid_t pid : cgroup_.Pids()) kill(pid, SIGKILL);
        usleep(10000);
      }
      cgroup_.Remove();
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  void set_child(pid_t child) { child_ = child; }
  void set_cgroup_created() { cgroup_created_ = true; }
  void Done() { done_ = true; }

 private:
  std::filesystem::path dir_;
  const ContainerCgroup& cgroup_;
  pid_t child_ = 0;
  bool cgroup_created_ = false;
  bool done_ = false;
};

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

}  // namespace

int Run(const std::filesystem::path& root, const std::string& id, const RunOptions& options) {
  CheckId(id);
  Spec spec = LoadSpec(std::filesystem::absolute(options.bundle));
  std::filesystem::create_directories(root);
  auto dir = StateDir(root, id);
  if (mkdir(dir.c_str(), 0700) != 0) {
    if (errno == EEXIST) throw std::runtime_error("container \"" + id + "\" already exists");
    throw std::runtime_error("creating " + dir.string() + ": " + std::strerror(errno));
  }
  ContainerCgroup cgroup(spec.cgroups_path.empty() ? "/hostlet-runtime/" + id : spec.cgroups_path);
  StartGuard guard(dir, cgroup);
  std::unique_ptr<SeccompFilter> seccomp;
  if (!spec.seccomp.is_null()) seccomp = std::make_unique<SeccompFilter>(spec.seccomp);

  int clone_flags = SIGCHLD;
  std::vector<std::unique_ptr<Fd>> namespace_fds;
  ChildContext context{&spec, &cgroup, seccomp.get(), {}, -1, -1, -1};
  for (const auto& ns : spec.namespaces) {
    int type = kNamespaceFlags.at(ns.type);
    if (ns.path.empty()) {
      if (type != CLONE_NEWCGROUP) clone_flags |= type;  // the child makes that one itself
      continue;
    }
    if (NeedsOwn(spec, ns.type) && SameAsOurs(ns.path, ns.type)) {
      throw SpecError("linux.sysctl: the " + ns.type + " namespace " + ns.path + " is the host's");
    }
    int fd = open(ns.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      throw std::runtime_error("opening the " + ns.type + " namespace " + ns.path + ": " +
                               std::strerror(errno));
    namespace_fds.push_back(std::make_unique<Fd>(fd));
    // A PID namespace is entered by the children of whoever joins it: this process.
    if (type == CLONE_NEWPID) {
      if (setns(fd, CLONE_NEWPID) != 0)
        throw std::runtime_error("joining the PID namespace " + ns.path + ": " +
                                 std::strerror(errno));
      continue;
    }
    context.join.emplace_back(fd, type);
  }

  cgroup.RefuseIfUnusable();
  guard.set_cgroup_created();  // also when Create fails part-way: Remove skips what is missing
  cgroup.Create();
  cgroup.Apply(spec.resources);

  // A socket for "go", so that a child already dead gives an error instead of SIGPIPE.
  int go[2];
  int errors[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) != 0 || pipe2(errors, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
  Fd go_read(go[0]), go_write(go[1]), error_read(errors[0]), error_write(errors[1]);
  context.go_read = go_read.get();
  context.go_write = go_write.get();
  context.error_write = error_write.get();

  constexpr size_t kStackSize = 1 << 20;
  void* stack = mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED)
    throw std::runtime_error("allocating the child's stack: " + std::string(std::strerror(errno)));
  pid_t child = clone(ChildMain, static_cast<char*>(stack) + kStackSize, clone_flags, &context);
  if (child < 0) throw std::runtime_error("clone: " + std::string(std::strerror(errno)));
  guard.set_child(child);
  go_read.Reset();
  error_write.Reset();

  cgroup.Join(child);
  if (send(go_write.get(), "g", 1, MSG_NOSIGNAL) != 1)
    throw std::runtime_error("starting the container's process: " +
                             std::string(std::strerror(errno)));
  std::string failure = ReadChildFailure(error_read.get());
  if (!failure.empty()) throw std::runtime_error(failure);

  ContainerState state;
  state.id = id;
  state.pid = child;
  state.start_time = ProcessStartTime(child);
  state.bundle = std::filesystem::absolute(options.bundle);
  state.cgroups_path = cgroup.path();
  state.created = oci::NowNanos();
  SaveState(root, state);
  if (!options.pid_file.empty()) oci::WriteAtomically(options.pid_file, std::to_string(child));
  guard.Done();
  if (options.detach) return 0;

  int status = 0;
  waitpid(child, &status, 0);
  Delete(root, id, /*force=*/true);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace hostlet::native
