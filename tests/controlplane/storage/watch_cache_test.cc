// What the watch cache promises beyond the Store suite: its replay window and watch lifetimes.
#include "controlplane/storage/watch_cache.h"

#include <future>

#include "tests/controlplane/storage/store_conformance.h"

namespace hostlet::storage::testing {
namespace {

Event Added(const std::string& key, Revision revision) {
  Event event;
  event.type = EventType::kAdded;
  event.key = key;
  event.value = "v" + std::to_string(revision);
  event.mod_revision = revision;
  return event;
}

TEST(WatchCacheTest, WatchOlderThanTheRingIsGoneAndInsideItReplays) {
  WatchCache cache(WatchOptions{.history = 5, .watcher_queue = 100}, 0);
  for (Revision r = 1; r <= 10; ++r) cache.Append(Added("/k/" + std::to_string(r), r));

  EventLog log;
  EXPECT_TRUE(FailsWith(ErrorCode::kGone, [&] { cache.Watch("/k/", 4, log.Callback()); }));
  auto watch = cache.Watch("/k/", 5, log.Callback());
  ASSERT_TRUE(log.WaitFor(5));
  std::vector<Event> events = log.events();
  ASSERT_EQ(events.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(events[i].mod_revision, 6 + i);
}

TEST(WatchCacheTest, HistoryGivenAtStartIsReplayed) {
  WatchCache cache(WatchOptions{}, 7, {Added("/k/a", 8), Added("/k/b", 9)});
  EventLog log;
  auto watch = cache.Watch("/k/", 7, log.Callback());
  cache.Append(Added("/k/c", 10));
  ASSERT_TRUE(log.WaitFor(3));
  EXPECT_EQ(log.events()[0].key, "/k/a");
  EXPECT_EQ(log.events()[2].key, "/k/c");
  EXPECT_TRUE(FailsWith(ErrorCode::kGone, [&] { cache.Watch("/k/", 6, log.Callback()); }));
}

TEST(WatchCacheTest, CallbackMayDropItsOwnWatch) {
  WatchCache cache(WatchOptions{}, 0);
  std::mutex mutex;
  std::unique_ptr<WatchHandle> handle;
  std::promise<void> dropped;
  {
    std::lock_guard lock(mutex);
    handle = cache.Watch("/k/", 0, [&](const Event&) {
      std::lock_guard lock(mutex);
      handle.reset();
      dropped.set_value();
    });
  }
  cache.Append(Added("/k/a", 1));
  ASSERT_EQ(dropped.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  std::lock_guard callback_done(mutex);  // the callback still held it when it fulfilled the promise
  EXPECT_EQ(handle, nullptr);
  cache.Append(Added("/k/b", 2));
}

TEST(WatchCacheTest, RestartEndsEveryWatchWithAnErrorAndForgetsHistory) {
  WatchCache cache(WatchOptions{}, 0);
  EventLog log;
  auto watch = cache.Watch("/k/", 0, log.Callback());
  cache.Append(Added("/k/a", 1));
  ASSERT_TRUE(log.WaitFor(1));
  cache.Restart(5, "events 2 to 5 were compacted away");
  ASSERT_TRUE(log.WaitFor(2));
  std::vector<Event> events = log.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].mod_revision, 1);
  EXPECT_EQ(events[1].type, EventType::kError);
  EXPECT_THAT(events[1].error, ::testing::HasSubstr("compacted away"));

  // What came before the restart cannot be replayed; what follows it is served as usual.
  EXPECT_TRUE(FailsWith(ErrorCode::kGone, [&] { cache.Watch("/k/", 1, log.Callback()); }));
  EventLog after;
  auto resumed = cache.Watch("/k/", 5, after.Callback());
  cache.Append(Added("/k/b", 6));
  ASSERT_TRUE(after.WaitFor(1));
  EXPECT_EQ(after.events().front().mod_revision, 6);
}

TEST(WatchCacheTest, WatchMayOutliveTheCache) {
  EventLog log;
  std::unique_ptr<WatchHandle> watch;
  {
    WatchCache cache(WatchOptions{}, 0);
    watch = cache.Watch("/k/", 0, log.Callback());
    cache.Append(Added("/k/a", 1));
    ASSERT_TRUE(log.WaitFor(1));
  }
  watch.reset();
  EXPECT_EQ(log.events().size(), 1u);
}

}  // namespace
}  // namespace hostlet::storage::testing
