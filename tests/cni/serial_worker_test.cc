// The module's worker thread: what ADD relies on when it reserves addresses beside its own work.
#include "plugins/cni/bridge/serial_worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

namespace hostlet {
namespace {

TEST(SerialWorker, RunsTasksOnOneOtherThreadInTheOrderGiven) {
  bridge::SerialWorker worker;
  std::vector<int> order;  // written by the worker's thread alone
  std::vector<std::future<std::thread::id>> ran;
  for (int i = 0; i < 20; ++i) {
    ran.push_back(worker.Run([&order, i] {
      order.push_back(i);
      return std::this_thread::get_id();
    }));
  }
  const std::thread::id first = ran.front().get();
  EXPECT_NE(first, std::this_thread::get_id());
  for (size_t i = 1; i < ran.size(); ++i) EXPECT_EQ(ran[i].get(), first);
  std::vector<int> expected;
  for (int i = 0; i < 20; ++i) expected.push_back(i);
  EXPECT_EQ(order, expected);
}

TEST(SerialWorker, HandsBackWhatATaskThrowsAndGoesOn) {
  bridge::SerialWorker worker;
  auto failed = worker.Run([]() -> int { throw std::runtime_error("no addresses left"); });
  auto next = worker.Run([] { return 7; });
  try {
    failed.get();
    ADD_FAILURE() << "the task's exception was lost";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "no addresses left");
  }
  EXPECT_EQ(next.get(), 7);
}

// A command may be abandoned while its task is still queued; destroying the worker must still
// run it, so that nothing it would have done (or undone) is silently dropped.
TEST(SerialWorker, DestroyingItRunsWhatIsQueuedFirst) {
  std::atomic<int> done = 0;
  std::promise<void> release;
  std::thread releaser;
  {
    bridge::SerialWorker worker;
    // The first task holds the thread until the worker is being destroyed.
    worker.Run([released = release.get_future().share()] { released.wait(); });
    for (int i = 0; i < 5; ++i) worker.Run([&done] { ++done; });
    releaser = std::thread([&release] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      release.set_value();
    });
  }
  releaser.join();
  EXPECT_EQ(done.load(), 5);
}

}  // namespace
}  // namespace hostlet
