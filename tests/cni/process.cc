#include "tests/cni/process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

extern char** environ;

namespace hostlet::cni_test {
namespace {

// Files rather than pipes: a test's output is small, and files cannot deadlock.
class TempFile {
 public:
  TempFile() {
    char pattern[] = "/tmp/hostlet-cni-io-XXXXXX";
    fd_ = mkostemp(pattern, O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("mkostemp failed");
    path_ = pattern;
  }
  ~TempFile() {
    close(fd_);
    unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  std::string Read() const {
    std::ifstream in(path_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void Write(const std::string& data) const { std::ofstream(path_, std::ios::binary) << data; }

 private:
  int fd_;
  std::string path_;
};

ProcessResult Spawn(const std::vector<std::string>& argv, char* const* envp, bool search,
                    const std::string& input) {
  TempFile in, out, err;
  in.Write(input);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fd(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.fd(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.fd(), STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int error = search ? posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp)
                     : posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) return {-1, "", "cannot start " + argv[0]};
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out.Read(), err.Read()};
}

}  // namespace

ProcessResult RunProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const std::string& input) {
  std::vector<char*> envp;
  for (const auto& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  return Spawn(argv, envp.data(), /*search=*/false, input);
}

ProcessResult Run(const std::vector<std::string>& argv) {
  return Spawn(argv, environ, /*search=*/true, "");
}

}  // namespace hostlet::cni_test
