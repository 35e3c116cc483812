#include "kubelet/network/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace hostlet::network {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Fail(const std::string& what, int error = errno) {
  throw std::system_error(error, std::generic_category(), what);
}

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Close(); }
  Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Fd& operator=(Fd&& other) noexcept {
    Close();
    fd_ = other.fd_;
    other.fd_ = -1;
    return *this;
  }
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

void Pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) Fail("pipe2");
  read_end = Fd(fds[0]);
  write_end = Fd(fds[1]);
}

// The spawn's file actions and attributes, released whatever happens.
struct SpawnSetup {
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
};

// Reads what is available into `buffer`, up to `limit`; returns false at end of file.
bool Drain(Fd& fd, std::string& buffer, size_t limit, bool& overflow) {
  char chunk[16384];
  for (;;) {
    ssize_t n = read(fd.get(), chunk, sizeof chunk);
    if (n > 0) {
      size_t room = buffer.size() < limit ? limit - buffer.size() : 0;
      buffer.append(chunk, std::min(room, static_cast<size_t>(n)));
      if (static_cast<size_t>(n) > room) overflow = true;
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return true;
    return false;
  }
}

}  // namespace

ProcessOutcome RunProcess(const std::string& program, const std::vector<std::string>& env,
                          std::string_view input, const ProcessLimits& limits) {
  // Standard input is a socket rather than a pipe, so that writing to a program that exits
  // without reading gives EPIPE from send(MSG_NOSIGNAL), not a SIGPIPE for the whole agent.
  int sockets[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) Fail("socketpair");
  Fd stdin_ours(sockets[0]), stdin_theirs(sockets[1]);
  Fd stdout_ours, stdout_theirs, stderr_ours, stderr_theirs;
  Pipe(stdout_ours, stdout_theirs);
  Pipe(stderr_ours, stderr_theirs);

  SpawnSetup setup;
  posix_spawn_file_actions_adddup2(&setup.actions, stdin_theirs.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, stdout_theirs.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, stderr_theirs.get(), STDERR_FILENO);
  // Descriptors another thread opened without O_CLOEXEC stay out of the plugin too.
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, STDERR_FILENO + 1);
  // A fresh process group, default signal dispositions and no blocked signals: the agent
  // blocks SIGTERM in its threads, which a child would otherwise inherit.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setpgroup(&setup.attributes, 0);
  posix_spawnattr_setsigmask(&setup.attributes, &none);
  posix_spawnattr_setsigdefault(&setup.attributes, &all);
  posix_spawnattr_setflags(&setup.attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv = {const_cast<char*>(program.c_str()), nullptr};
  std::vector<char*> envp;
  for (const std::string& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  if (int error = posix_spawn(&pid, program.c_str(), &setup.actions, &setup.attributes, argv.data(),
                              envp.data());
      error != 0) {
    Fail("cannot run " + program, error);
  }
  stdin_theirs.Close();
  stdout_theirs.Close();
  stderr_theirs.Close();

  ProcessOutcome outcome;
  outcome.pid = pid;
  // Its exit is a readable descriptor, polled with the output.
  Fd exited(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (exited.get() < 0) {
    int error = errno;
    kill(-pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    Fail("pidfd_open", error);
  }
  for (Fd* fd : {&stdin_ours, &stdout_ours, &stderr_ours}) {
    fcntl(fd->get(), F_SETFL, fcntl(fd->get(), F_GETFL) | O_NONBLOCK);
  }
  if (input.empty()) stdin_ours.Close();

  const Clock::time_point deadline = Clock::now() + limits.timeout;
  bool out_open = true, err_open = true, running = true, stderr_overflow = false;
  size_t sent = 0;
  int poll_error = 0;
  while ((out_open || err_open || running) && !outcome.stdout_overflow) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      outcome.timed_out = true;
      break;
    }
    pollfd fds[4] = {{stdout_ours.get(), POLLIN, 0},
                     {stderr_ours.get(), POLLIN, 0},
                     // Once it has exited this stays readable: left out, not spun on.
                     {running ? exited.get() : -1, POLLIN, 0},
                     {stdin_ours.get(), POLLOUT, 0}};
    int ready = poll(fds, 4, static_cast<int>(std::min<long long>(left.count() + 1, 1 << 30)));
    if (ready < 0 && errno != EINTR) {
      poll_error = errno;
      break;
    }
    if (ready <= 0) continue;
    if (fds[0].revents != 0) {
      out_open = Drain(stdout_ours, outcome.out, limits.max_stdout, outcome.stdout_overflow);
      if (!out_open) stdout_ours.Close();
    }
    if (fds[1].revents != 0) {
      err_open = Drain(stderr_ours, outcome.err, limits.max_stderr, stderr_overflow);
      if (!err_open) stderr_ours.Close();
    }
    if (fds[2].revents != 0) running = false;
    if (fds[3].revents != 0) {
      ssize_t n = send(stdin_ours.get(), input.data() + sent, input.size() - sent,
                       MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) sent += static_cast<size_t>(n);
      // All written, or the program does not read it: either way its stdin ends here.
      if (sent == input.size() || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        stdin_ours.Close();
      }
    }
  }
  // Whatever is left of it goes, with anything it started in its group.
  if (running || poll_error != 0 || outcome.timed_out || outcome.stdout_overflow) {
    kill(-pid, SIGKILL);
  }
  int status = 0;
  pid_t reaped;
  while ((reaped = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (reaped != pid) Fail("waitpid for " + program);
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  if (poll_error != 0) Fail("poll", poll_error);
  return outcome;
}

}  // namespace hostlet::network
