// Network namespaces for the tests.
//
// Each test process first moves into a network namespace of its own, which plays the host: the
// bridges, host veths, forwarding switch and firewall rules the plugins make live there, so tests
// running in parallel cannot collide and the machine's own network is never touched. Whatever is
// left there goes away with the process. Pods are named namespaces (`ip netns`), removed by RAII.
#pragma once

#include "tests/cni/process.h"

#include <string>
#include <vector>

namespace hostlet::cni_test {

// Moves this process (its calling thread, before any other thread exists, and so every thread
// and child started afterwards) into a fresh network namespace with loopback up. Idempotent.
// Throws when that is not possible, so that a test that cannot run fails with the reason.
void IsolateHostNetwork();

// A named network namespace, /var/run/netns/<name>, deleted on destruction.
class TestNetns {
 public:
  explicit TestNetns(const std::string& tag);
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;
  ~TestNetns();

  const std::string& name() const { return name_; }
  std::string path() const { return "/var/run/netns/" + name_; }

  // Deletes the namespace now, as a runtime does when a pod is gone.
  void Delete();
  // Runs `argv` inside the namespace.
  ProcessResult Exec(const std::vector<std::string>& argv) const;
  // One ping with busybox, two seconds to answer.
  bool Ping(const std::string& address) const;
  bool HasInterface(const std::string& name) const;

 private:
  std::string name_;
  bool deleted_ = false;
};

// Runs `argv` in this process's network namespace (the test's host) and returns its stdout;
// throws when it fails.
std::string HostCommand(const std::vector<std::string>& argv);

// A name no other test process uses: "<prefix><pid>x<counter>", cut to `max_length`.
std::string UniqueName(const std::string& prefix, size_t max_length = 64);

}  // namespace hostlet::cni_test
