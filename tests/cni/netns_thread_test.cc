// The namespace helper: work runs inside the target namespace, the caller never leaves its own,
// results and exceptions come back, and no descriptor is left open.
#include "plugins/cni/bridge/netns_thread.h"
#include "tests/cni/test_netns.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <net/if.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace hostlet::cni_test {
namespace {

using bridge::InNetns;
using bridge::NetnsFile;

ino_t NamespaceOf(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) throw std::runtime_error("cannot stat " + path);
  return info.st_ino;
}

ino_t CurrentThreadNamespace() { return NamespaceOf("/proc/thread-self/ns/net"); }

size_t OpenDescriptors() {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++count;
  }
  return count;
}

class NetnsThread : public ::testing::Test {
 protected:
  void SetUp() override { IsolateHostNetwork(); }
};

TEST_F(NetnsThread, WorkRunsInsideTheNamespaceAndTheCallerStaysOutside) {
  TestNetns pod("thread");
  ASSERT_EQ(
      pod.Exec({"ip", "link", "add", "probe0", "type", "veth", "peer", "name", "probe1"}).exit_code,
      0);
  const ino_t home = CurrentThreadNamespace();
  auto netns = NetnsFile::Open(pod.path());
  ASSERT_TRUE(netns.has_value());

  auto [inside, probe_index] = InNetns(
      *netns, [] { return std::make_pair(CurrentThreadNamespace(), if_nametoindex("probe0")); });
  EXPECT_EQ(inside, NamespaceOf(pod.path()));
  EXPECT_NE(probe_index, 0u) << "the pod's own interface is not visible inside";
  EXPECT_EQ(CurrentThreadNamespace(), home);
  EXPECT_EQ(if_nametoindex("probe0"), 0u) << "the pod's interface leaked into the caller's view";
}

TEST_F(NetnsThread, ExceptionsComeBackAndTheCallerStaysOutside) {
  TestNetns pod("throw");
  const ino_t home = CurrentThreadNamespace();
  auto netns = NetnsFile::Open(pod.path());
  ASSERT_TRUE(netns.has_value());
  try {
    bridge::RunInNetns(*netns, [] { throw std::runtime_error("failed inside"); });
    FAIL() << "the exception was swallowed";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "failed inside");
  }
  EXPECT_EQ(CurrentThreadNamespace(), home);
}

TEST_F(NetnsThread, NoDescriptorIsLeftOpen) {
  TestNetns pod("fds");
  const size_t before = OpenDescriptors();
  for (int i = 0; i < 50; ++i) {
    auto netns = NetnsFile::Open(pod.path());
    ASSERT_TRUE(netns.has_value());
    InNetns(*netns, [] { return CurrentThreadNamespace(); });
    try {
      bridge::RunInNetns(*netns, [] { throw std::runtime_error("x"); });
    } catch (const std::runtime_error&) {
    }
  }
  EXPECT_EQ(OpenDescriptors(), before);
}

TEST_F(NetnsThread, ConcurrentCallsEachSeeTheirOwnNamespace) {
  TestNetns first("c1");
  TestNetns second("c2");
  auto a = NetnsFile::Open(first.path());
  auto b = NetnsFile::Open(second.path());
  ASSERT_TRUE(a && b);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&, i] {
      const NetnsFile& target = i % 2 == 0 ? *a : *b;
      const ino_t expected = NamespaceOf(i % 2 == 0 ? first.path() : second.path());
      for (int round = 0; round < 20; ++round) {
        if (InNetns(target, [] { return CurrentThreadNamespace(); }) != expected) ++mismatches;
      }
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(mismatches, 0);
}

TEST_F(NetnsThread, AMissingNamespaceIsReportedAsGone) {
  EXPECT_FALSE(NetnsFile::Open("/var/run/netns/" + UniqueName("absent-")).has_value());
}

TEST_F(NetnsThread, AFileThatIsNotANetworkNamespaceIsRefused) {
  EXPECT_THROW(NetnsFile::Open("/proc/self/ns/uts"), std::system_error);
  EXPECT_THROW(NetnsFile::Open("/proc/self/status"), std::system_error);
}

}  // namespace
}  // namespace hostlet::cni_test
