#include "plugins/runtime/native/process_setup.h"

#include "plugins/runtime/native/capabilities.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace hostlet::native {
namespace {

std::string Failed(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string PathOf(const std::vector<std::string>& env) {
  for (const auto& entry : env) {
    if (entry.starts_with("PATH=")) return entry.substr(5);
  }
  return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

// execve, searching the container's PATH (not the runtime's) for a bare name.
std::string Execute(const ProcessSpec& process) {
  std::vector<char*> argv;
  for (const auto& arg : process.args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& entry : process.env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  const std::string& program = process.args[0];
  if (program.find('/') != std::string::npos) {
    execve(program.c_str(), argv.data(), envp.data());
    return Failed("executing " + program);
  }
  std::string search = PathOf(process.env);
  int first_error = ENOENT;
  size_t start = 0;
  while (start <= search.size()) {
    size_t end = search.find(':', start);
    if (end == std::string::npos) end = search.size();
    std::string dir = search.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    execve(candidate.c_str(), argv.data(), envp.data());
    if (errno != ENOENT && errno != ENOTDIR && first_error == ENOENT) first_error = errno;
    start = end + 1;
  }
  errno = first_error;
  return Failed("executing \"" + program + "\" (searched " + search + ")");
}

// Marks every descriptor from 3 up close-on-exec, so nothing of the runtime's (or of whoever
// started it) stays open in the container's program.
bool CloseOnExecFrom3() {
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return true;
  DIR* fds = opendir("/proc/self/fd");
  if (!fds) return false;
  int own = dirfd(fds);
  while (dirent* entry = readdir(fds)) {
    int fd = std::atoi(entry->d_name);
    if (fd < 3 || fd == own) continue;
    if (fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC) != 0) {
      closedir(fds);
      return false;
    }
  }
  closedir(fds);
  return true;
}

}  // namespace

std::string ExecProcess(const ProcessSpec& process, SeccompFilter* seccomp, bool die_with_parent) {
  if (!CloseOnExecFrom3()) return Failed("marking the runtime's descriptors close-on-exec");
  for (const auto& limit : process.rlimits) {
    rlimit value{limit.soft, limit.hard};
    if (setrlimit(limit.resource, &value) != 0)
      return Failed("setting rlimit " + std::to_string(limit.resource));
  }
  if (process.oom_score_adj) {
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    std::string value = std::to_string(*process.oom_score_adj);
    bool written =
        fd >= 0 && write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
    if (fd >= 0) close(fd);
    if (!written) return Failed("setting oom_score_adj to " + value);
  }
  if (process.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return Failed("setting no_new_privs");
  // Without no_new_privs the filter can only be installed while CAP_SYS_ADMIN is held, so it
  // goes in before the capabilities are dropped; with it, as late as possible.
  if (seccomp && !process.no_new_privileges && seccomp->Load() != 0)
    return "installing the seccomp filter failed";
  if (process.capabilities && !LimitBoundingSet(*process.capabilities))
    return Failed("limiting the bounding set");
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
    return Failed("keeping capabilities across the user change");
  if (setgroups(process.additional_gids.size(), process.additional_gids.data()) != 0) {
    return Failed("setting the supplementary groups");
  }
  bool in_cwd = chdir(process.cwd.c_str()) == 0;
  if (setresgid(process.gid, process.gid, process.gid) != 0)
    return Failed("setting gid " + std::to_string(process.gid));
  if (setresuid(process.uid, process.uid, process.uid) != 0)
    return Failed("setting uid " + std::to_string(process.uid));
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return Failed("clearing keep-capabilities");
  // A change of credentials makes the process dumpable again (where fs.suid_dumpable allows)
  // while it is still the runtime, and clears the parent-death signal: both are set again.
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return Failed("making the process not dumpable");
  if (die_with_parent && prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
    return Failed("setting the parent-death signal");
  if (process.capabilities && !ApplyCapabilities(*process.capabilities))
    return Failed("setting capabilities");
  // A directory only the container's user may enter is entered once that user is in place.
  if (!in_cwd && chdir(process.cwd.c_str()) != 0)
    return Failed("entering the working directory " + process.cwd);
  if (seccomp && process.no_new_privileges && seccomp->Load() != 0)
    return "installing the seccomp filter failed";
  return Execute(process);
}

std::string ReadChildFailure(int fd) {
  std::string text;
  char buffer[4096];
  ssize_t got;
  while ((got = read(fd, buffer, sizeof(buffer))) > 0 || (got < 0 && errno == EINTR)) {
    if (got > 0) text.append(buffer, static_cast<size_t>(got));
  }
  return text;
}

}  // namespace hostlet::native
