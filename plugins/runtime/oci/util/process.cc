#include "plugins/runtime/oci/util/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

extern char** environ;

namespace hostlet::oci {

std::string ProcessResult::Describe() const {
  std::string text = err.empty() ? out : err;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (timed_out) return "timed out" + (text.empty() ? "" : ": " + text);
  return text.empty() ? "exit code " + std::to_string(exit_code) : text;
}

ProcessResult RunProcess(const std::vector<std::string>& argv, std::optional<std::chrono::milliseconds> timeout,
                         const std::vector<int>& extra_fds) {
  int out[2];
  int err[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  // Extra descriptors are passed as 3, 4, ...
  for (size_t i = 0; i < extra_fds.size(); ++i) {
    posix_spawn_file_actions_adddup2(&actions, extra_fds[i], static_cast<int>(3 + i));
  }
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  close(err[1]);
  if (spawned != 0) {
    close(out[0]);
    close(err[0]);
    ProcessResult failed;
    failed.exit_code = 127;
    failed.err = "cannot run " + argv[0] + ": " + std::strerror(spawned);
    return failed;
  }
  ProcessResult result;
  auto deadline = timeout ? std::chrono::steady_clock::now() + *timeout : std::chrono::steady_clock::time_point::max();
  bool open_out = true;
  bool open_err = true;
  while (open_out || open_err) {
    int wait_ms = -1;
    if (timeout) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        kill(pid, SIGKILL);
        result.timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(left.count());
    }
    pollfd fds[2] = {{open_out ? out[0] : -1, POLLIN, 0}, {open_err ? err[0] : -1, POLLIN, 0}};
    if (poll(fds, 2, wait_ms) < 0 && errno != EINTR) break;
    char buffer[8192];
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      ssize_t got = read(out[0], buffer, sizeof(buffer));
      if (got > 0) result.out.append(buffer, static_cast<size_t>(got)); else open_out = false;
    }
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      ssize_t got = read(err[0], buffer, sizeof(buffer));
      if (got > 0) result.err.append(buffer, static_cast<size_t>(got)); else open_err = false;
    }
  }
  close(out[0]);
  close(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace hostlet::oci
