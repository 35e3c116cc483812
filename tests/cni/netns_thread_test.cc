// The namespace helper: work runs inside the target namespace, the caller never leaves its own,
// results and exceptions come back, and no descriptor or thread is left behind; and the socket
// opener built on it.
#include "plugins/cni/bridge/netns_thread.h"
#include "plugins/cni/bridge/netlink_socket.h"
#include "plugins/cni/bridge/socket_opener.h"
#include "tests/cni/test_netns.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
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

size_t CountEntries(const char* directory) {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(directory)) {
    ++count;
  }
  return count;
}

size_t OpenDescriptors() { return CountEntries("/proc/self/fd"); }
size_t Threads() { return CountEntries("/proc/self/task"); }

// The number of threads, given a moment to come down to `expected`: a joined thread can still be
// listed for a little while as the kernel finishes its exit.
size_t ThreadsOnceSettled(size_t expected) {
  for (int i = 0; i < 200 && Threads() != expected; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Threads();
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

// The socket opener: sockets opened inside a pod's namespace work there from the caller's thread,
// the caller never enters, the opener's thread goes back to its own namespace, and nothing is
// left behind.
TEST_F(NetnsThread, SocketsOpenedInsideWorkThereFromTheCallersThread) {
  TestNetns pod("sock");
  ASSERT_EQ(
      pod.Exec({"ip", "link", "add", "probe0", "type", "veth", "peer", "name", "probe1"}).exit_code,
      0);
  const ino_t home = CurrentThreadNamespace();
  auto netns = NetnsFile::Open(pod.path());
  ASSERT_TRUE(netns.has_value());
  bridge::SocketOpener opener;
  auto pending = opener.Open(*netns, {0, RTMGRP_LINK});
  netns.reset();  // the request holds a handle of its own
  std::vector<bridge::UniqueFd> sockets = pending.get();
  ASSERT_EQ(sockets.size(), 2u);
  bridge::NetlinkSocket inside(std::move(sockets[0]));
  auto probe = inside.FindLink("probe0");
  ASSERT_TRUE(probe.has_value());
  EXPECT_EQ(probe->kind, "veth");
  EXPECT_NE(probe->peer, 0);
  EXPECT_FALSE(bridge::NetlinkSocket().FindLink("probe0").has_value())
      << "a socket opened here sees the pod's interfaces";
  EXPECT_EQ(CurrentThreadNamespace(), home);
}

TEST_F(NetnsThread, TheOpenersThreadGoesBackToItsOwnNamespace) {
  TestNetns pod("home");
  const ino_t home = CurrentThreadNamespace();
  auto netns = NetnsFile::Open(pod.path());
  ASSERT_TRUE(netns.has_value());
  bridge::SocketOpener opener;
  opener.Open(*netns).get();
  // It goes back after handing the sockets over, so give it a moment.
  auto everyone_home = [&] {
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      if (NamespaceOf((task.path() / "ns/net").string()) != home) return false;
    }
    return true;
  };
  for (int i = 0; i < 200 && !everyone_home(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(everyone_home()) << "a thread stayed in the pod's namespace";
}

TEST_F(NetnsThread, ConcurrentOpensEachGetTheirOwnNamespace) {
  TestNetns first("o1");
  TestNetns second("o2");
  ASSERT_EQ(
      first.Exec({"ip", "link", "add", "only1", "type", "veth", "peer", "name", "peer1"}).exit_code,
      0);
  ASSERT_EQ(second.Exec({"ip", "link", "add", "only2", "type", "veth", "peer", "name", "peer2"})
                .exit_code,
            0);
  auto a = NetnsFile::Open(first.path());
  auto b = NetnsFile::Open(second.path());
  ASSERT_TRUE(a && b);
  bridge::SocketOpener opener;
  std::atomic<int> mismatches{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&, i] {
      const NetnsFile& target = i % 2 == 0 ? *a : *b;
      const std::string mine = i % 2 == 0 ? "only1" : "only2";
      const std::string theirs = i % 2 == 0 ? "only2" : "only1";
      for (int round = 0; round < 10; ++round) {
        bridge::NetlinkSocket socket(std::move(opener.Open(target).get().front()));
        if (!socket.FindLink(mine) || socket.FindLink(theirs)) ++mismatches;
      }
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(mismatches, 0);
}

TEST_F(NetnsThread, NothingIsLeftBehindByTheOpener) {
  TestNetns pod("left");
  auto netns = NetnsFile::Open(pod.path());
  ASSERT_TRUE(netns.has_value());
  const size_t descriptors = OpenDescriptors();
  const size_t threads = Threads();
  {
    bridge::SocketOpener opener;
    for (int i = 0; i < 20; ++i) {
      // Some dropped without being waited for, as a command that fails first drops them: the
      // sockets must be closed all the same.
      auto pending = opener.Open(*netns, {0, RTMGRP_LINK});
      if (i % 2 == 0) pending.get();
    }
  }
  EXPECT_EQ(OpenDescriptors(), descriptors);
  EXPECT_EQ(ThreadsOnceSettled(threads), threads);
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
