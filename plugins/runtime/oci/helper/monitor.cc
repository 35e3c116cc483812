#include "plugins/runtime/oci/helper/monitor.h"

#include "plugins/runtime/oci/helper/cri_log.h"
#include "plugins/runtime/oci/util/clock.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace hostlet::oci::helper {
namespace {

constexpr int kSyncFd = 3;

void Report(const std::string& line) {
  std::string text = line + "\n";
  if (write(kSyncFd, text.data(), text.size()) < 0) {
    // The caller is gone; there is nobody left to tell.
  }
  close(kSyncFd);
}

std::string ReadAvailable(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::string text;
  char buffer[4096];
  ssize_t got;
  while ((got = read(fd, buffer, sizeof(buffer))) > 0) text.append(buffer, static_cast<size_t>(got));
  return text;
}


// The kernel's count of OOM kills in the container's memory cgroup (v1 memory.oom_control or
// v2 memory.events).
int64_t OomKills(const std::string& cgroup) {
  for (const char* file : {"/memory.oom_control", "/memory.events"}) {
    std::ifstream in(cgroup + file);
    std::string key;
    int64_t value = 0;
    while (in >> key >> value) {
      if (key == "oom_kill") return value;
    }
  }
  return 0;
}

void WriteExitFile(const std::string& path, int status, bool oom_killed) {
  int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ostringstream json;
  json << "{\"exitCode\":" << exit_code << ",\"finishedAt\":" << NowNanos()
       << ",\"signal\":" << (WIFSIGNALED(status) ? WTERMSIG(status) : 0)
       << ",\"oomKilled\":" << (oom_killed ? "true" : "false") << "}\n";
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << json.str();
  }
  rename(temporary.c_str(), path.c_str());
}

}  // namespace

int Monitor(const MonitorOptions& options) {
  pid_t monitor = fork();
  if (monitor < 0) {
    Report(std::string("error cannot fork the monitor: ") + std::strerror(errno));
    return 1;
  }
  if (monitor > 0) {
    close(kSyncFd);
    return 0;  // the caller reaps this process; the monitor lives on, adopted by init
  }
  setsid();
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  // While the container has ended but its exit is not yet recorded (its output still draining),
  // this file lets the module see that the monitor is at work on it.
  {
    std::string monitor_file = options.bundle + "/monitor.pid";
    std::ofstream(monitor_file + ".tmp") << getpid();
    rename((monitor_file + ".tmp").c_str(), monitor_file.c_str());
  }
  // Nothing the caller had open may stay open for the container's lifetime.
  close_range(kSyncFd + 1, ~0U, 0);
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  dup2(null, STDIN_FILENO);
  dup2(null, STDOUT_FILENO);
  dup2(null, STDERR_FILENO);

  CriLog log(options.log_path);
  int out[2];
  int err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    Report(std::string("error cannot create pipes: ") + std::strerror(errno));
    return 1;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGCHLD);
  sigaddset(&signals, SIGUSR1);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC);

  const std::string pid_file = options.bundle + "/container.pid";
  pid_t creator = fork();
  if (creator == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(null, STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    execlp(options.runtime.c_str(), options.runtime.c_str(), "--root", options.runtime_root.c_str(), "run",
           "--detach", "--bundle", options.bundle.c_str(), "--pid-file", pid_file.c_str(), options.id.c_str(),
           nullptr);
    std::string message = "cannot run " + options.runtime + ": " + std::strerror(errno) + "\n";
    if (write(STDERR_FILENO, message.data(), message.size()) < 0) _exit(127);
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  int status = 0;
  waitpid(creator, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string message = ReadAvailable(err[0]) + ReadAvailable(out[0]);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    for (char& c : message) {
      if (c == '\n') c = ' ';
    }
    Report("error " + (message.empty() ? options.runtime + " run failed" : message));
    return 1;
  }
  pid_t container = 0;
  std::ifstream(pid_file) >> container;
  if (container <= 0) {
    Report("error " + options.runtime + " run left no pid file");
    return 1;
  }
  Report("ok " + std::to_string(container));

  bool exited = false;
  int exit_status = 0;
  bool open_out = true;
  bool open_err = true;
  auto exit_seen = std::chrono::steady_clock::time_point::max();
  while (open_out || open_err || !exited) {
    pollfd fds[3] = {{signal_fd, POLLIN, 0}, {open_out ? out[0] : -1, POLLIN, 0}, {open_err ? err[0] : -1, POLLIN, 0}};
    // Once the container has exited, give its pipes a moment to drain, then stop waiting for
    // processes that may have inherited them.
    int timeout = exited ? 100 : -1;
    if (exited && std::chrono::steady_clock::now() - exit_seen > std::chrono::seconds(2)) break;
    if (poll(fds, 3, timeout) < 0 && errno != EINTR) break;
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info;
      while (read(signal_fd, &info, sizeof(info)) == sizeof(info)) {
        if (info.ssi_signo == SIGUSR1) log.Reopen();
        if (info.ssi_signo == SIGCHLD) {
          int child_status = 0;
          pid_t child;
          while ((child = waitpid(-1, &child_status, WNOHANG)) > 0) {
            if (child == container) {
              exited = true;
              exit_status = child_status;
              exit_seen = std::chrono::steady_clock::now();
            }
          }
        }
        fcntl(signal_fd, F_SETFL, O_NONBLOCK);
      }
      fcntl(signal_fd, F_SETFL, 0);
    }
    char buffer[1 << 15];
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      ssize_t got = read(out[0], buffer, sizeof(buffer));
      if (got > 0) log.Write("stdout", buffer, static_cast<size_t>(got)); else open_out = false;
    }
    if (fds[2].revents & (POLLIN | POLLHUP)) {
      ssize_t got = read(err[0], buffer, sizeof(buffer));
      if (got > 0) log.Write("stderr", buffer, static_cast<size_t>(got)); else open_err = false;
    }
  }
  log.Flush();
  bool oom_killed = !options.memory_cgroup.empty() && OomKills(options.memory_cgroup) > 0;
  WriteExitFile(options.exit_file, exit_status, oom_killed);
  return 0;
}

}  // namespace hostlet::oci::helper
