// The link reaper: a removal returns once the kernel has announced the links gone (names free at
// once), reports what the kernel refuses, copes without announcements, and its destruction waits
// for every request still in flight.
#include "plugins/cni/bridge/link_reaper.h"
#include "tests/cni/test_netns.h"

#include <hostlet/sdk/network_plugin.h>

#include <gtest/gtest.h>

#include <linux/rtnetlink.h>
#include <net/if.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hostlet::cni_test {
namespace {

using bridge::LinkReaper;
using bridge::OpenRouteSocket;
using bridge::Removal;
using bridge::UniqueFd;

int IndexOf(const std::string& name) { return static_cast<int>(if_nametoindex(name.c_str())); }

size_t Threads() {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/self/task")) {
    ++count;
  }
  return count;
}

// The number of threads, given a moment to come down to `expected`: a joined thread can still be
// listed for a little while as the kernel finishes its exit.
size_t ThreadsOnceSettled(size_t expected) {
  for (int i = 0; i < 200 && Threads() != expected; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Threads();
}

// A veth pair in the test's host namespace, deleted at the end if still there.
class VethPair {
 public:
  VethPair() : first_(UniqueName("hlrp", 15)), second_(UniqueName("hlrq", 15)) {
    HostCommand({"ip", "link", "add", first_, "type", "veth", "peer", "name", second_});
  }
  ~VethPair() {
    if (IndexOf(first_) != 0) Run({"ip", "link", "del", first_});
  }
  const std::string& first() const { return first_; }
  const std::string& second() const { return second_; }

 private:
  std::string first_;
  std::string second_;
};

class LinkReaperTest : public ::testing::Test {
 protected:
  void SetUp() override { IsolateHostNetwork(); }
};

TEST_F(LinkReaperTest, ReturnsWithBothEndsOfAPairGoneAndTheirNamesFree) {
  VethPair pair;
  const int first = IndexOf(pair.first());
  const int second = IndexOf(pair.second());
  ASSERT_NE(first, 0);
  ASSERT_NE(second, 0);
  UniqueFd monitor = OpenRouteSocket(RTMGRP_LINK);
  LinkReaper reaper;
  EXPECT_EQ(reaper.Remove(OpenRouteSocket(), first, pair.first(),
                          {{monitor.get(), first}, {monitor.get(), second}}),
            Removal::kAnnounced);
  EXPECT_EQ(IndexOf(pair.first()), 0);
  EXPECT_EQ(IndexOf(pair.second()), 0);
  // The names can be taken again at once, while the kernel may still be finishing with the old
  // devices.
  EXPECT_EQ(cni_test::Run(
                {"ip", "link", "add", pair.first(), "type", "veth", "peer", "name", pair.second()})
                .exit_code,
            0);
}

TEST_F(LinkReaperTest, WithoutAnnouncementsWaitsForTheAnswer) {
  VethPair pair;
  const int first = IndexOf(pair.first());
  LinkReaper reaper;
  EXPECT_EQ(reaper.Remove(OpenRouteSocket(), first, pair.first(), {}), Removal::kAnswered);
  EXPECT_EQ(IndexOf(pair.first()), 0);
  EXPECT_EQ(IndexOf(pair.second()), 0);
}

TEST_F(LinkReaperTest, AMissingLinkIsAbsent) {
  UniqueFd monitor = OpenRouteSocket(RTMGRP_LINK);
  LinkReaper reaper;
  const int missing = 0x7ffffff0;
  EXPECT_EQ(reaper.Remove(OpenRouteSocket(), missing, "missing", {{monitor.get(), missing}}),
            Removal::kAbsent);
}

TEST_F(LinkReaperTest, WhatTheKernelRefusesIsReported) {
  UniqueFd monitor = OpenRouteSocket(RTMGRP_LINK);
  LinkReaper reaper;
  const int loopback = IndexOf("lo");
  try {
    reaper.Remove(OpenRouteSocket(), loopback, "lo", {{monitor.get(), loopback}});
    FAIL() << "deleting the loopback device succeeded";
  } catch (const CniError& error) {
    EXPECT_EQ(error.code(), kCniPluginFailure);
    EXPECT_NE(std::string(error.what()).find("failed to delete lo"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(IndexOf("lo"), loopback);
}

TEST_F(LinkReaperTest, ConcurrentRemovalsEachSeeTheirOwn) {
  constexpr int kPairs = 8;
  std::vector<std::unique_ptr<VethPair>> pairs;
  for (int i = 0; i < kPairs; ++i) pairs.push_back(std::make_unique<VethPair>());
  LinkReaper reaper;
  std::vector<std::optional<Removal>> removals(kPairs);
  std::vector<std::thread> callers;
  for (int i = 0; i < kPairs; ++i) {
    callers.emplace_back([&, i] {
      const int first = IndexOf(pairs[i]->first());
      const int second = IndexOf(pairs[i]->second());
      UniqueFd monitor = OpenRouteSocket(RTMGRP_LINK);
      removals[i] = reaper.Remove(OpenRouteSocket(), second, pairs[i]->second(),
                                  {{monitor.get(), first}, {monitor.get(), second}});
    });
  }
  for (auto& caller : callers) caller.join();
  for (int i = 0; i < kPairs; ++i) {
    EXPECT_EQ(removals[i], Removal::kAnnounced) << i;
    EXPECT_EQ(IndexOf(pairs[i]->first()), 0) << i;
  }
}

TEST_F(LinkReaperTest, DestructionWaitsForEveryRequestInFlight) {
  const size_t threads = Threads();
  std::vector<std::unique_ptr<VethPair>> pairs;
  for (int i = 0; i < 4; ++i) pairs.push_back(std::make_unique<VethPair>());
  {
    LinkReaper reaper;
    UniqueFd monitor = OpenRouteSocket(RTMGRP_LINK);
    for (auto& pair : pairs) {
      const int first = IndexOf(pair->first());
      ASSERT_EQ(reaper.Remove(OpenRouteSocket(), first, pair->first(), {{monitor.get(), first}}),
                Removal::kAnnounced);
    }
    EXPECT_LE(reaper.InFlight(), pairs.size());
  }
  EXPECT_EQ(ThreadsOnceSettled(threads), threads);
}

}  // namespace
}  // namespace hostlet::cni_test
