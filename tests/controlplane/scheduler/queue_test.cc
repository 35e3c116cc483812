// The scheduling queue's retry rules, on a clock the test moves.
#include "controlplane/scheduler/queue.h"
#include "tests/controlplane/scheduler/test_objects.h"

#include <gtest/gtest.h>

#include <thread>

namespace hostlet::scheduler {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::MakePod;

class QueueTest : public ::testing::Test {
 protected:
  QueueOptions Options() {
    QueueOptions options;
    options.clock = [this] { return now_; };
    return options;
  }
  std::chrono::steady_clock::time_point now_ =
      std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  SchedulingQueue queue_{Options()};
};

TEST_F(QueueTest, FirstComeFirstServedAndNoDuplicates) {
  queue_.AddOrUpdate(ParsePod(MakePod("a")));
  queue_.AddOrUpdate(ParsePod(MakePod("b")));
  queue_.AddOrUpdate(ParsePod(MakePod("a")));
  auto first = queue_.TryPop();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->pod.name, "a");
  queue_.AddOrUpdate(ParsePod(MakePod("a")));  // in flight: refreshed, not queued again
  EXPECT_EQ(queue_.TryPop()->pod.name, "b");
  EXPECT_FALSE(queue_.TryPop());
  queue_.Done(*first);
  EXPECT_EQ(queue_.active_size() + queue_.backoff_size() + queue_.unschedulable_size(), 0u);
}

TEST_F(QueueTest, UnschedulablePodsWaitForAClusterChangeThenTheirBackoff) {
  queue_.AddOrUpdate(ParsePod(MakePod("p")));
  auto pod = queue_.TryPop();
  queue_.Unschedulable(*pod);
  EXPECT_EQ(queue_.unschedulable_size(), 1u);
  now_ += seconds(5);
  EXPECT_FALSE(queue_.TryPop());  // nothing changed: keeps waiting
  queue_.MoveAllToActive();
  pod = queue_.TryPop();  // 5s is past the first backoff of 1s
  ASSERT_TRUE(pod);
  EXPECT_EQ(pod->attempts, 1);

  queue_.Unschedulable(*pod);
  queue_.MoveAllToActive();  // right away: the 2s backoff has not run out
  EXPECT_EQ(queue_.backoff_size(), 1u);
  EXPECT_FALSE(queue_.TryPop());
  now_ += milliseconds(1999);
  EXPECT_FALSE(queue_.TryPop());
  now_ += milliseconds(1);
  EXPECT_TRUE(queue_.TryPop());
}

TEST_F(QueueTest, AChangeDuringTheAttemptMeansBackoffNotUnschedulable) {
  queue_.AddOrUpdate(ParsePod(MakePod("p")));
  auto pod = queue_.TryPop();
  queue_.MoveAllToActive();  // a node was added while the pod was being tried
  queue_.Unschedulable(*pod);
  EXPECT_EQ(queue_.backoff_size(), 1u);
  now_ += seconds(1);
  EXPECT_TRUE(queue_.TryPop());
}

TEST_F(QueueTest, UnschedulablePodsAreRetriedAfterAMinuteAnyway) {
  queue_.AddOrUpdate(ParsePod(MakePod("p")));
  queue_.Unschedulable(*queue_.TryPop());
  now_ += seconds(59);
  EXPECT_FALSE(queue_.TryPop());
  now_ += seconds(1);
  EXPECT_TRUE(queue_.TryPop());
}

TEST_F(QueueTest, BackoffDoublesUpToTenSeconds) {
  queue_.AddOrUpdate(ParsePod(MakePod("p")));
  std::chrono::milliseconds expected[] = {milliseconds(1000),  milliseconds(2000),
                                          milliseconds(4000),  milliseconds(8000),
                                          milliseconds(10000), milliseconds(10000)};
  for (auto wait : expected) {
    auto pod = queue_.TryPop();
    ASSERT_TRUE(pod);
    queue_.Retry(*pod);
    now_ += wait - milliseconds(1);
    EXPECT_FALSE(queue_.TryPop()) << wait.count();
    now_ += milliseconds(1);
  }
  EXPECT_TRUE(queue_.TryPop());
}

TEST_F(QueueTest, RemovedPodsLeaveEvenWhileInFlight) {
  queue_.AddOrUpdate(ParsePod(MakePod("a")));
  queue_.AddOrUpdate(ParsePod(MakePod("b")));
  queue_.Remove("default/b");
  auto a = queue_.TryPop();
  EXPECT_EQ(a->pod.name, "a");
  EXPECT_FALSE(queue_.TryPop());
  queue_.Remove("default/a");
  queue_.Unschedulable(*a);
  queue_.MoveAllToActive();
  now_ += seconds(100);
  EXPECT_FALSE(queue_.TryPop());
}

TEST_F(QueueTest, WaitingPodsThatAreRemovedStayGone) {
  queue_.AddOrUpdate(ParsePod(MakePod("a")));
  queue_.AddOrUpdate(ParsePod(MakePod("b")));
  queue_.AddOrUpdate(ParsePod(MakePod("c")));
  queue_.Unschedulable(*queue_.TryPop());  // a waits for a change
  queue_.Retry(*queue_.TryPop());          // b waits out its backoff
  queue_.Remove("default/a");
  queue_.Remove("default/b");
  queue_.MoveAllToActive();
  now_ += seconds(100);
  auto c = queue_.TryPop();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->pod.name, "c");
  EXPECT_FALSE(queue_.TryPop());
  EXPECT_EQ(queue_.backoff_size() + queue_.unschedulable_size(), 0u);
}

TEST_F(QueueTest, AChangedPodGetsAnotherTry) {
  queue_.AddOrUpdate(ParsePod(MakePod("p")));
  queue_.Unschedulable(*queue_.TryPop());
  now_ += seconds(2);
  queue_.AddOrUpdate(ParsePod(MakePod("p", "1")));
  auto pod = queue_.TryPop();
  ASSERT_TRUE(pod);
  EXPECT_EQ(pod->pod.requests.milli_cpu, 1000);
}

TEST(QueueBlockingTest, PopWaitsForAPodAndCloseReleasesIt) {
  SchedulingQueue queue;
  std::thread producer([&] { queue.AddOrUpdate(ParsePod(MakePod("p"))); });
  auto pod = queue.Pop();
  producer.join();
  ASSERT_TRUE(pod);
  std::thread closer([&] { queue.Close(); });
  EXPECT_FALSE(queue.Pop());
  closer.join();
}

}  // namespace
}  // namespace hostlet::scheduler
