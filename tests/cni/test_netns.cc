#include "tests/cni/test_netns.h"

#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace hostlet::cni_test {

void IsolateHostNetwork() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (unshare(CLONE_NEWNET) != 0) {
      throw std::runtime_error(std::string("cannot create the test's network namespace "
                                           "(unshare CLONE_NEWNET; tests must run as root): ") +
                               std::strerror(errno));
    }
    HostCommand({"ip", "link", "set", "lo", "up"});
  });
}

std::string UniqueName(const std::string& prefix, size_t max_length) {
  static std::atomic<int> counter{0};
  std::string suffix = std::to_string(getpid()) + "x" + std::to_string(counter++);
  std::string name = prefix.substr(0, max_length > suffix.size() ? max_length - suffix.size() : 0);
  return (name + suffix).substr(0, max_length);
}

std::string HostCommand(const std::vector<std::string>& argv) {
  ProcessResult result = Run(argv);
  if (result.exit_code != 0) {
    std::string command;
    for (const auto& arg : argv) command += " " + arg;
    throw std::runtime_error("command failed (" + std::to_string(result.exit_code) +
                             "):" + command + ": " + result.err);
  }
  return result.out;
}

TestNetns::TestNetns(const std::string& tag) : name_(UniqueName("hlcni-" + tag + "-")) {
  HostCommand({"ip", "netns", "add", name_});
}

TestNetns::~TestNetns() {
  if (!deleted_) Run({"ip", "netns", "del", name_});
}

void TestNetns::Delete() {
  HostCommand({"ip", "netns", "del", name_});
  deleted_ = true;
}

ProcessResult TestNetns::Exec(const std::vector<std::string>& argv) const {
  std::vector<std::string> command = {"ip", "netns", "exec", name_};
  command.insert(command.end(), argv.begin(), argv.end());
  return Run(command);
}

bool TestNetns::Ping(const std::string& address) const {
  return Exec({"/bin/busybox", "ping", "-c", "1", "-W", "2", address}).exit_code == 0;
}

bool TestNetns::HasInterface(const std::string& name) const {
  return Exec({"ip", "link", "show", "dev", name}).exit_code == 0;
}

}  // namespace hostlet::cni_test
