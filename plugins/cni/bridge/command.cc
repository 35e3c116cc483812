#include "plugins/cni/bridge/command.h"

#include <hostlet/sdk/network_plugin.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace hostlet::bridge {
namespace {

std::string Locate(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
    std::string path = std::string(dir) + "/" + program;
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return program;  // posix_spawnp searches PATH
}

struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() {
    if (pipe2(fds, O_CLOEXEC) != 0) {
      throw CniError(kCniPluginFailure, std::string("pipe: ") + std::strerror(errno));
    }
  }
  ~Pipe() { CloseAll(); }
  void Close(int end) {
    if (fds[end] >= 0) close(fds[end]);
    fds[end] = -1;
  }
  void CloseAll() {
    Close(0);
    Close(1);
  }
};

// Blocks SIGPIPE on this thread while alive, so that a tool exiting before reading all of its
// input makes write() fail with EPIPE instead of killing the whole process (an agent, when the
// module is loaded in process). A SIGPIPE raised meanwhile is consumed before unblocking.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
  }
  ~SigpipeBlocked() {
    timespec zero{};
    while (sigtimedwait(&pipe_, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }

 private:
  sigset_t pipe_;
  sigset_t previous_;
};

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input) {
  Pipe in, out, err;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fds[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.fds[1], STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const std::string program = Locate(argv.at(0));
  pid_t pid = -1;
  int error = posix_spawnp(&pid, program.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    throw CniError(kCniPluginFailure, "cannot run " + argv[0] + ": " + std::strerror(error));
  }
  in.Close(0);
  out.Close(1);
  err.Close(1);

  CommandResult result;
  SigpipeBlocked no_sigpipe;
  size_t written = 0;
  if (input.empty()) in.Close(1);
  // Feed stdin and drain both outputs together, so that neither side blocks on a full pipe.
  while (in.fds[1] >= 0 || out.fds[0] >= 0 || err.fds[0] >= 0) {
    pollfd polls[3] = {{in.fds[1], POLLOUT, 0}, {out.fds[0], POLLIN, 0}, {err.fds[0], POLLIN, 0}};
    if (poll(polls, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (polls[0].revents != 0) {
      ssize_t n = write(in.fds[1], input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n <= 0 || written == input.size()) in.Close(1);
    }
    char buffer[4096];
    for (int i : {1, 2}) {
      if (polls[i].revents == 0) continue;
      Pipe& pipe = i == 1 ? out : err;
      ssize_t n = read(pipe.fds[0], buffer, sizeof(buffer));
      if (n > 0) {
        (i == 1 ? result.out : result.err).append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        pipe.Close(0);
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace hostlet::bridge
