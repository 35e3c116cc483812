// The scheduler against a real Registry on SQLite: binding through pods/binding, events,
// retries when the cluster changes, and pods that are not its to place.
#include "controlplane/scheduler/scheduler.h"

#include "controlplane/apiserver/registry.h"
#include "controlplane/storage/sqlite_store.h"
#include "tests/controlplane/scheduler/test_objects.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>

namespace hostlet::scheduler {
namespace {

using apiserver::ListOptions;
using apiserver::Registry;
using apiserver::ResourceTable;
using nlohmann::json;
using ::testing::HasSubstr;
using testing::MakeNode;
using testing::MakePod;

// Polls `condition` until it holds, for at most ten seconds.
bool Eventually(const std::function<bool()>& condition) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

class SchedulerTest : public ::testing::Test {
 protected:
  explicit SchedulerTest(storage::WatchOptions watch_options = {}) {
    std::string pattern = (std::filesystem::temp_directory_path() / "scheduler-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    store_ = std::make_unique<storage::SqliteStore>(dir_ / "state.db", watch_options);
    registry_ = std::make_unique<Registry>(*store_, ResourceTable::Served());
    registry_->EnsureNamespace("default");
  }
  ~SchedulerTest() override {
    scheduler_.reset();
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartScheduler() {
    SchedulerOptions options;
    options.seed = 1;
    options.queue.initial_backoff = std::chrono::milliseconds(10);
    options.queue.max_backoff = std::chrono::milliseconds(50);
    scheduler_ = std::make_unique<Scheduler>(*registry_, options);
    scheduler_->Start();
  }

  const apiserver::Resource& Kind(const std::string& name) {
    return *registry_->table().Find("", "v1", name);
  }
  void CreateNode(const json& node) { registry_->Create(Kind("nodes"), "", node); }
  void CreatePod(const json& pod) { registry_->Create(Kind("pods"), "default", pod); }
  std::string NodeOf(const std::string& pod) {
    return registry_->Get(Kind("pods"), "default", pod)["spec"].value("nodeName", "");
  }
  // The message of the newest event with this reason about `pod`, or "".
  std::string EventMessage(const std::string& pod, const std::string& reason) {
    std::string message;
    for (const auto& event : registry_->List(Kind("events"), "default", ListOptions{}).items) {
      if (event["involvedObject"]["name"] == pod && event["reason"] == reason) {
        message = event["message"];
      }
    }
    return message;
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::SqliteStore> store_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(SchedulerTest, BindsAPendingPodAndSaysSo) {
  CreateNode(MakeNode("n1", "2", "4Gi"));
  StartScheduler();
  CreatePod(MakePod("web", "500m", "1Gi"));
  ASSERT_TRUE(Eventually([&] { return NodeOf("web") == "n1"; }));
  ASSERT_TRUE(Eventually([&] { return !EventMessage("web", "Scheduled").empty(); }));
  EXPECT_EQ(EventMessage("web", "Scheduled"), "Successfully assigned default/web to n1");
  json pod = registry_->Get(Kind("pods"), "default", "web");
  EXPECT_EQ(pod["status"]["conditions"][0]["type"], "PodScheduled");
}

TEST_F(SchedulerTest, PendingPodsPresentAtStartAreScheduled) {
  CreateNode(MakeNode("n1", "2", "4Gi"));
  CreatePod(MakePod("early"));
  StartScheduler();
  EXPECT_TRUE(Eventually([&] { return NodeOf("early") == "n1"; }));
}

TEST_F(SchedulerTest, NothingFitsThenANewNodeDoes) {
  CreateNode(MakeNode("small", "1", "1Gi"));
  StartScheduler();
  CreatePod(MakePod("big", "4", "2Gi"));
  ASSERT_TRUE(Eventually([&] { return !EventMessage("big", "FailedScheduling").empty(); }));
  EXPECT_EQ(EventMessage("big", "FailedScheduling"),
            "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.");
  json event;
  for (const auto& item : registry_->List(Kind("events"), "default", ListOptions{}).items) {
    if (item["reason"] == "FailedScheduling") event = item;
  }
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(event["involvedObject"]["kind"], "Pod");
  EXPECT_EQ(event["source"]["component"], "default-scheduler");
  EXPECT_EQ(NodeOf("big"), "");
  // The pod says it too, as kubectl describe shows it.
  json condition;
  ASSERT_TRUE(Eventually([&] {
    json pod = registry_->Get(Kind("pods"), "default", "big");
    for (const auto& item : pod["status"].value("conditions", json::array())) {
      if (item["type"] == "PodScheduled") condition = item;
    }
    return !condition.is_null();
  }));
  EXPECT_EQ(condition["status"], "False");
  EXPECT_EQ(condition["reason"], "Unschedulable");
  EXPECT_EQ(condition["message"],
            "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.");

  CreateNode(MakeNode("large", "8", "16Gi"));
  EXPECT_TRUE(Eventually([&] { return NodeOf("big") == "large"; }));
  json bound = registry_->Get(Kind("pods"), "default", "big");
  ASSERT_EQ(bound["status"]["conditions"].size(), 1u);
  EXPECT_EQ(bound["status"]["conditions"][0]["status"], "True");
}

// A pod that fits nowhere is tried again at every change of the cluster; each try that fails
// the same way counts on one FailedScheduling event instead of adding another.
TEST_F(SchedulerTest, RepeatedFailuresCountOnOneEvent) {
  CreateNode(MakeNode("small", "1", "1Gi"));
  StartScheduler();
  CreatePod(MakePod("big", "4", "2Gi"));
  ASSERT_TRUE(Eventually([&] { return !EventMessage("big", "FailedScheduling").empty(); }));
  auto failures = [&] {
    std::vector<json> found;
    for (const auto& item : registry_->List(Kind("events"), "default", ListOptions{}).items) {
      if (item["involvedObject"]["name"] == "big" && item["reason"] == "FailedScheduling") {
        found.push_back(item);
      }
    }
    return found;
  };
  // A new label on the node: the scheduler tries the pod again, and it still does not fit.
  for (int round = 1; round <= 3; ++round) {
    registry_->Patch(
        Kind("nodes"), "", "small",
        [&](const json& current) {
          json next = current;
          next["metadata"]["labels"]["round"] = std::to_string(round);
          return next;
        },
        "");
    ASSERT_TRUE(Eventually([&] {
      auto events = failures();
      return events.size() == 1 && events[0].value("count", 0) == round + 1;
    })) << round
        << ": " << json(failures()).dump();
  }
  json event = failures()[0];
  EXPECT_EQ(event["message"],
            "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.");
  EXPECT_GE(event["lastTimestamp"].get<std::string>(), event["firstTimestamp"].get<std::string>());

  // Another message is another event.
  CreateNode(MakeNode("tiny", "1", "512Mi"));
  EXPECT_TRUE(Eventually([&] { return failures().size() == 2; })) << json(failures()).dump();
}

TEST_F(SchedulerTest, DeletingAPodMakesRoomForAPendingOne) {
  CreateNode(MakeNode("n1", "1", "4Gi"));
  StartScheduler();
  CreatePod(MakePod("first", "800m"));
  ASSERT_TRUE(Eventually([&] { return NodeOf("first") == "n1"; }));
  CreatePod(MakePod("second", "800m"));
  ASSERT_TRUE(Eventually([&] { return !EventMessage("second", "FailedScheduling").empty(); }));
  apiserver::DeleteOptions now;
  now.grace_period_seconds = 0;
  registry_->Delete(Kind("pods"), "default", "first", now);
  EXPECT_TRUE(Eventually([&] { return NodeOf("second") == "n1"; }));
}

TEST_F(SchedulerTest, PlacementsCountBeforeTheWatchConfirmsThem) {
  CreateNode(MakeNode("n1", "3", "4Gi"));
  StartScheduler();
  for (int i = 0; i < 5; ++i) CreatePod(MakePod("p" + std::to_string(i), "1"));
  ASSERT_TRUE(Eventually([&] { return scheduler_->stats().scheduled == 3; }));
  ASSERT_TRUE(Eventually([&] { return scheduler_->stats().unschedulable >= 2; }));
  int bound = 0;
  for (int i = 0; i < 5; ++i) bound += NodeOf("p" + std::to_string(i)) == "n1";
  EXPECT_EQ(bound, 3);
}

TEST_F(SchedulerTest, LeavesOtherSchedulersPodsAndBoundPodsAlone) {
  CreateNode(MakeNode("n1", "2", "4Gi"));
  CreateNode(MakeNode("n2", "2", "4Gi"));
  StartScheduler();
  json other = MakePod("other");
  other["spec"]["schedulerName"] = "my-scheduler";
  CreatePod(other);
  json pinned = MakePod("pinned");
  pinned["spec"]["nodeName"] = "n2";
  CreatePod(pinned);
  CreatePod(MakePod("mine"));
  ASSERT_TRUE(Eventually([&] { return !NodeOf("mine").empty(); }));
  EXPECT_EQ(NodeOf("other"), "");
  EXPECT_EQ(NodeOf("pinned"), "n2");
  EXPECT_EQ(EventMessage("other", "FailedScheduling"), "");
}

// A store that lets its watchers fall no event behind, so the scheduler's watches end with an
// error at almost every write and it has to list everything again, over and over.
class ResyncTest : public SchedulerTest {
 protected:
  ResyncTest() : SchedulerTest(storage::WatchOptions{10000, 0}) {}
};

TEST_F(ResyncTest, AWatchThatFellBehindIsListedAgainAndNothingIsLost) {
  for (int i = 0; i < 5; ++i) CreateNode(MakeNode("n" + std::to_string(i), "4", "8Gi"));
  StartScheduler();
  for (int i = 0; i < 200; ++i) CreatePod(MakePod("p" + std::to_string(i), "100m", "64Mi"));
  ASSERT_TRUE(Eventually([&] {
    for (int i = 0; i < 200; ++i) {
      if (NodeOf("p" + std::to_string(i)).empty()) return false;
    }
    return true;
  }));
  EXPECT_GE(scheduler_->stats().resyncs, 1u);
  // 200 pods of 100m fill 5 nodes of 4 cpu exactly: every pod bound means nothing was counted
  // twice across a re-list, and no node over its cpu means nothing placed before one was lost.
  std::map<std::string, int> per_node;
  for (int i = 0; i < 200; ++i) per_node[NodeOf("p" + std::to_string(i))]++;
  for (const auto& [node, count] : per_node) EXPECT_LE(count * 100, 4000) << node;
}

TEST_F(SchedulerTest, StopsCleanlyWithWorkPending) {
  StartScheduler();
  for (int i = 0; i < 20; ++i) CreatePod(MakePod("p" + std::to_string(i)));
  scheduler_->Stop();
  scheduler_->Stop();
  SUCCEED();
}

}  // namespace
}  // namespace hostlet::scheduler
