// `exec`: a further process in a running container, with the container's process settings
// (user, capabilities, seccomp, environment, working directory) and the given command. This
// process enters the container's cgroup and namespaces, then forks the command, which is then
// inside the container's PID namespace too, and waits for it.
#include "plugins/runtime/native/cgroups.h"
#include "plugins/runtime/native/commands.h"
#include "plugins/runtime/native/container_state.h"
#include "plugins/runtime/native/process_setup.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <memory>

namespace hostlet::native {
namespace {

// The namespaces to enter, the mount namespace last: entering it changes this process's root.
const std::pair<const char*, int> kNamespaces[] = {
    {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},       {"net", CLONE_NEWNET},
    {"pid", CLONE_NEWPID}, {"cgroup", CLONE_NEWCGROUP}, {"mnt", CLONE_NEWNS}};

bool SameNamespace(const std::string& a, const std::string& b) {
  struct stat first {
  }, second{};
  return stat(a.c_str(), &first) == 0 && stat(b.c_str(), &second) == 0 &&
         first.st_ino == second.st_ino && first.st_dev == second.st_dev;
}

}  // namespace

int Exec(const std::filesystem::path& root, const std::string& id,
         const std::vector<std::string>& command) {
  if (command.empty()) throw std::invalid_argument("exec needs a command");
  ContainerState state = LoadState(root, id);
  if (!state.Running()) throw std::runtime_error("container \"" + id + "\" is not running");
  Spec spec = LoadSpec(state.bundle);
  ProcessSpec process = spec.process;
  process.args = command;
  std::unique_ptr<SeccompFilter> seccomp;
  if (!spec.seccomp.is_null()) seccomp = std::make_unique<SeccompFilter>(spec.seccomp);

  // Open every namespace first: once in the container's mount namespace, /proc is its own.
  std::vector<std::pair<int, int>> entries;
  for (const auto& [name, type] : kNamespaces) {
    std::string theirs = "/proc/" + std::to_string(state.pid) + "/ns/" + name;
    if (SameNamespace(theirs, std::string("/proc/self/ns/") + name)) continue;
    int fd = open(theirs.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("opening " + theirs + ": " + std::strerror(errno));
    entries.emplace_back(fd, type);
  }
  // The process must be the one recorded still: its PID could have been reused meanwhile.
  if (!state.Running()) throw std::runtime_error("container \"" + id + "\" is not running");
  ContainerCgroup(state.cgroups_path).Join(getpid());
  for (const auto& [fd, type] : entries) {
    if (setns(fd, type) != 0)
      throw std::runtime_error("entering the container's namespaces: " +
                               std::string(std::strerror(errno)));
    close(fd);
  }

  int errors[2];
  if (pipe2(errors, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
  pid_t child = fork();
  if (child < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
  if (child == 0) {
    close(errors[0]);
    // A caller that gives up on the command (a probe's timeout kills this process) ends it too.
    // (Not dumpable, from main: the container's processes cannot reach it before its exec.)
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::string failure = ExecProcess(process, seccomp.get(), /*die_with_parent=*/true);
    int error = errno;
    if (write(errors[1], failure.data(), failure.size()) < 0) _exit(127);
    _exit(error == ENOENT ? 127 : 126);
  }
  close(errors[1]);
  std::string failure = ReadChildFailure(errors[0]);
  close(errors[0]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!failure.empty()) std::cerr << "hostlet-runtime exec: " << failure << "\n";
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace hostlet::native
