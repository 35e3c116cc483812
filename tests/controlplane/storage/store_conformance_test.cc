// The Store contract, written against the interface only; backends are instantiated elsewhere.
#include <algorithm>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "tests/controlplane/storage/store_conformance.h"

namespace hostlet::storage::testing {
namespace {

using ::testing::HasSubstr;

TEST_P(StoreTest, CreateThenGetReturnsValueAndRevisions) {
  Revision before = store().CurrentRevision();
  Revision created = store().Create("/registry/pods/default/web", "v1");
  EXPECT_GT(created, before);
  EXPECT_EQ(store().CurrentRevision(), created);

  KeyValue got = store().Get("/registry/pods/default/web");
  EXPECT_EQ(got.key, "/registry/pods/default/web");
  EXPECT_EQ(got.value, "v1");
  EXPECT_EQ(got.create_revision, created);
  EXPECT_EQ(got.mod_revision, created);
}

TEST_P(StoreTest, ValuesAreBytes) {
  std::string bytes("\0\x01\xff binary", 10);
  store().Create("/registry/secrets/default/s", bytes);
  EXPECT_EQ(store().Get("/registry/secrets/default/s").value, bytes);
  store().Create("/registry/secrets/default/empty", "");
  EXPECT_EQ(store().Get("/registry/secrets/default/empty").value, "");
}

TEST_P(StoreTest, CreatingAnExistingKeyIsAlreadyExistsAndKeepsTheValue) {
  store().Create("/registry/pods/default/web", "v1");
  auto result = FailsWith(ErrorCode::kAlreadyExists,
                          [&] { store().Create("/registry/pods/default/web", "v2"); });
  EXPECT_TRUE(result);
  EXPECT_THAT(result.message(), HasSubstr("/registry/pods/default/web"));
  EXPECT_EQ(store().Get("/registry/pods/default/web").value, "v1");
}

TEST_P(StoreTest, MissingKeyIsNotFound) {
  auto result = FailsWith(ErrorCode::kNotFound, [&] { store().Get("/registry/pods/default/x"); });
  EXPECT_TRUE(result);
  EXPECT_THAT(result.message(), HasSubstr("/registry/pods/default/x"));
  EXPECT_TRUE(
      FailsWith(ErrorCode::kNotFound, [&] { store().Update("/registry/pods/default/x", "v", 1); }));
  EXPECT_TRUE(FailsWith(ErrorCode::kNotFound, [&] { store().Delete("/registry/pods/default/x"); }));
}

TEST_P(StoreTest, UpdateWithStaleRevisionIsConflict) {
  Revision created = store().Create("/registry/pods/default/web", "v1");
  Revision updated = store().Update("/registry/pods/default/web", "v2", created);
  EXPECT_GT(updated, created);

  // A second writer that read before the first update loses.
  auto result = FailsWith(ErrorCode::kConflict,
                          [&] { store().Update("/registry/pods/default/web", "v3", created); });
  EXPECT_TRUE(result);
  EXPECT_THAT(result.message(), HasSubstr("/registry/pods/default/web"));

  KeyValue got = store().Get("/registry/pods/default/web");
  EXPECT_EQ(got.value, "v2");
  EXPECT_EQ(got.create_revision, created);
  EXPECT_EQ(got.mod_revision, updated);
  EXPECT_EQ(store().CurrentRevision(), updated);
}

TEST_P(StoreTest, DeleteReturnsTheLastValueAndRemovesTheKey) {
  Revision created = store().Create("/registry/pods/default/web", "v1");
  Revision updated = store().Update("/registry/pods/default/web", "v2", created);

  EXPECT_TRUE(FailsWith(ErrorCode::kConflict,
                        [&] { store().Delete("/registry/pods/default/web", created); }));
  EXPECT_EQ(store().Get("/registry/pods/default/web").value, "v2");

  DeleteResult deleted = store().Delete("/registry/pods/default/web", updated);
  EXPECT_EQ(deleted.value, "v2");
  EXPECT_GT(deleted.revision, updated);
  EXPECT_EQ(store().CurrentRevision(), deleted.revision);
  EXPECT_TRUE(FailsWith(ErrorCode::kNotFound, [&] { store().Get("/registry/pods/default/web"); }));

  // A key created again starts a new life.
  Revision recreated = store().Create("/registry/pods/default/web", "v3");
  EXPECT_EQ(store().Get("/registry/pods/default/web").create_revision, recreated);
  EXPECT_EQ(store().Delete("/registry/pods/default/web").value, "v3");
}

TEST_P(StoreTest, ListReturnsOnlyKeysUnderThePrefixInKeyOrder) {
  store().Create("/registry/pods/default/b", "b");
  store().Create("/registry/pods/default/a", "a");
  store().Create("/registry/pods/kube-system/c", "c");
  store().Create("/registry/podsecuritypolicies/x", "x");
  store().Create("/registry/pod", "y");

  ListResult all = store().List("/registry/pods/");
  ASSERT_EQ(all.items.size(), 3u);
  EXPECT_EQ(all.items[0].key, "/registry/pods/default/a");
  EXPECT_EQ(all.items[1].key, "/registry/pods/default/b");
  EXPECT_EQ(all.items[2].key, "/registry/pods/kube-system/c");
  EXPECT_EQ(all.items[0].value, "a");
  EXPECT_EQ(all.revision, store().CurrentRevision());
  EXPECT_TRUE(all.continue_key.empty());

  EXPECT_EQ(store().List("/registry/pods/default/").items.size(), 2u);
  EXPECT_EQ(store().List("/registry/nodes/").items.size(), 0u);
}

TEST_P(StoreTest, ListPagesReadOneSnapshotWhileKeysChange) {
  std::map<std::string, std::string> snapshot;
  for (int i = 0; i < 30; ++i) {
    std::string key = "/registry/pods/default/pod-" + std::to_string(100 + i);
    store().Create(key, "v" + std::to_string(i));
    snapshot[key] = "v" + std::to_string(i);
  }
  store().Create("/registry/services/default/svc", "s");

  ListResult page = store().List("/registry/pods/", 7);
  Revision at = page.revision;
  std::map<std::string, std::string> seen;
  int writes = 0;
  for (;;) {
    ASSERT_LE(page.items.size(), 7u);
    for (const KeyValue& item : page.items) {
      EXPECT_LE(item.mod_revision, at);
      EXPECT_TRUE(seen.emplace(item.key, item.value).second) << "twice: " << item.key;
    }
    if (page.continue_key.empty()) break;
    // Between pages other clients change keys before and after the page boundary.
    KeyValue returned = store().Get(page.items.front().key);
    store().Update(returned.key, "changed", returned.mod_revision);
    std::string later = "/registry/pods/default/pod-" + std::to_string(129 - writes);
    if (snapshot.count(later) && !seen.count(later)) store().Delete(later);
    store().Create("/registry/pods/default/pod-" + std::to_string(200 + writes), "new");
    ++writes;
    page = store().List("/registry/pods/", 7, page.continue_key, at);
    EXPECT_EQ(page.revision, at);
  }
  EXPECT_GT(writes, 3);
  EXPECT_EQ(seen, snapshot);

  // A fresh list sees what changed.
  ListResult now = store().List("/registry/pods/");
  EXPECT_GT(now.revision, at);
  EXPECT_NE(now.items.size(), snapshot.size());
}

TEST_P(StoreTest, ListAtCompactedRevisionIsGone) {
  Revision a1 = store().Create("/registry/pods/default/a", "a1");
  Revision b1 = store().Create("/registry/pods/default/b", "b1");
  Revision a2 = store().Update("/registry/pods/default/a", "a2", a1);
  store().Delete("/registry/pods/default/b", b1);
  Revision compact_at = store().Create("/registry/pods/default/c", "c1");
  store().Update("/registry/pods/default/a", "a3", a2);

  // Before compaction history is readable.
  ListResult old = store().List("/registry/pods/", 0, {}, b1);
  ASSERT_EQ(old.items.size(), 2u);
  EXPECT_EQ(old.items[0].value, "a1");
  EXPECT_EQ(old.items[1].value, "b1");

  store().Compact(compact_at);
  EXPECT_EQ(store().CompactedRevision(), compact_at);
  auto gone = FailsWith(ErrorCode::kGone, [&] { store().List("/registry/pods/", 0, {}, b1); });
  EXPECT_TRUE(gone);
  EXPECT_THAT(gone.message(), HasSubstr("/registry/pods/"));
  EXPECT_TRUE(
      FailsWith(ErrorCode::kGone, [&] { store().List("/registry/pods/", 0, {}, compact_at - 1); }));

  // The compaction point itself still reads as it was.
  ListResult at = store().List("/registry/pods/", 0, {}, compact_at);
  ASSERT_EQ(at.items.size(), 2u);
  EXPECT_EQ(at.items[0].key, "/registry/pods/default/a");
  EXPECT_EQ(at.items[0].value, "a2");
  EXPECT_EQ(at.items[1].key, "/registry/pods/default/c");
  EXPECT_EQ(store().Get("/registry/pods/default/a").value, "a3");

  EXPECT_TRUE(FailsWith(ErrorCode::kInvalidArgument, [&] {
    store().List("/registry/pods/", 0, {}, store().CurrentRevision() + 1);
  }));
}

TEST_P(StoreTest, WatchFromNowSeesOnlyLaterEventsUnderThePrefix) {
  store().Create("/registry/pods/default/before", "x");
  EventLog log;
  auto watch = store().Watch("/registry/pods/", 0, log.Callback());

  Revision created = store().Create("/registry/pods/default/web", "v1");
  store().Create("/registry/services/default/web", "not watched");
  Revision updated = store().Update("/registry/pods/default/web", "v2", created);
  DeleteResult deleted = store().Delete("/registry/pods/default/web");

  ASSERT_TRUE(log.WaitFor(3));
  std::vector<Event> events = log.events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, EventType::kAdded);
  EXPECT_EQ(events[0].key, "/registry/pods/default/web");
  EXPECT_EQ(events[0].value, "v1");
  EXPECT_EQ(events[0].mod_revision, created);
  EXPECT_EQ(events[1].type, EventType::kModified);
  EXPECT_EQ(events[1].value, "v2");
  EXPECT_EQ(events[1].mod_revision, updated);
  EXPECT_EQ(events[2].type, EventType::kDeleted);
  EXPECT_EQ(events[2].value, "v2");
  EXPECT_EQ(events[2].mod_revision, deleted.revision);
}

TEST_P(StoreTest, WatchFromAPastRevisionReplaysThenFollows) {
  Revision r1 = store().Create("/registry/pods/default/a", "a1");
  Revision r2 = store().Update("/registry/pods/default/a", "a2", r1);
  Revision r3 = store().Delete("/registry/pods/default/a").revision;
  Revision r4 = store().Create("/registry/pods/default/b", "b1");

  EventLog log;
  auto watch = store().Watch("/registry/pods/", r1, log.Callback());
  Revision r5 = store().Create("/registry/pods/default/a", "a3");

  ASSERT_TRUE(log.WaitFor(4));
  std::vector<Event> events = log.events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].type, EventType::kModified);
  EXPECT_EQ(events[0].mod_revision, r2);
  EXPECT_EQ(events[1].type, EventType::kDeleted);
  EXPECT_EQ(events[1].value, "a2");
  EXPECT_EQ(events[1].mod_revision, r3);
  EXPECT_EQ(events[2].type, EventType::kAdded);
  EXPECT_EQ(events[2].key, "/registry/pods/default/b");
  EXPECT_EQ(events[2].mod_revision, r4);
  EXPECT_EQ(events[3].type, EventType::kAdded);
  EXPECT_EQ(events[3].value, "a3");
  EXPECT_EQ(events[3].mod_revision, r5);
}

TEST_P(StoreTest, WatchFromACompactedRevisionIsGone) {
  Revision r1 = store().Create("/registry/pods/default/a", "a1");
  Revision r2 = store().Update("/registry/pods/default/a", "a2", r1);
  Revision r3 = store().Update("/registry/pods/default/a", "a3", r2);
  store().Compact(r2);

  EventLog log;
  auto gone =
      FailsWith(ErrorCode::kGone, [&] { store().Watch("/registry/pods/", r1, log.Callback()); });
  EXPECT_TRUE(gone);
  EXPECT_THAT(gone.message(), HasSubstr("/registry/pods/"));

  auto watch = store().Watch("/registry/pods/", r2, log.Callback());
  ASSERT_TRUE(log.WaitFor(1));
  EXPECT_EQ(log.events().front().mod_revision, r3);
}

TEST_P(StoreTest, ConcurrentWritersEventsArriveInRevisionOrderNoneLost) {
  constexpr int kThreads = 4;
  constexpr int kWritesPerThread = 60;
  EventLog log;
  auto watch = store().Watch("/registry/", 0, log.Callback());

  std::vector<std::future<std::vector<Revision>>> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.push_back(std::async(std::launch::async, [this, t] {
      std::vector<Revision> revisions;
      std::string key = "/registry/pods/default/writer-" + std::to_string(t);
      Revision revision = store().Create(key, "0");
      revisions.push_back(revision);
      for (int i = 1; i < kWritesPerThread; ++i) {
        revision = store().Update(key, std::to_string(i), revision);
        revisions.push_back(revision);
      }
      return revisions;
    }));
  }
  std::set<Revision> written;
  for (auto& writer : writers) {
    ASSERT_EQ(writer.wait_for(std::chrono::seconds(60)), std::future_status::ready);
    for (Revision revision : writer.get()) written.insert(revision);
  }
  ASSERT_EQ(written.size(), std::size_t{kThreads * kWritesPerThread});

  ASSERT_TRUE(log.WaitFor(written.size()));
  std::vector<Event> events = log.events();
  ASSERT_EQ(events.size(), written.size());
  std::set<Revision> seen;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(events[i - 1].mod_revision, events[i].mod_revision);
    }
    seen.insert(events[i].mod_revision);
  }
  EXPECT_EQ(seen, written);
}

TEST_P(StoreTest, HundredWatchersEachGetEveryEvent) {
  constexpr int kWatchers = 100;
  constexpr int kWrites = 50;
  std::vector<EventLog> logs(kWatchers);
  std::vector<std::unique_ptr<WatchHandle>> watches;
  for (auto& log : logs) watches.push_back(store().Watch("/registry/pods/", 0, log.Callback()));

  std::vector<Revision> revisions;
  for (int i = 0; i < kWrites; ++i) {
    revisions.push_back(store().Create("/registry/pods/default/p" + std::to_string(i), "v"));
  }
  for (auto& log : logs) {
    ASSERT_TRUE(log.WaitFor(kWrites));
    std::vector<Event> events = log.events();
    ASSERT_EQ(events.size(), std::size_t{kWrites});
    for (int i = 0; i < kWrites; ++i) EXPECT_EQ(events[i].mod_revision, revisions[i]);
  }
}

TEST_P(StoreTest, BlockedWatcherDoesNotBlockWritersAndIsEnded) {
  constexpr std::size_t kQueue = 8;
  constexpr int kWrites = 40;
  Open(WatchOptions{.history = 1000, .watcher_queue = kQueue});

  std::promise<void> entered;
  std::promise<void> ended;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  EventLog blocked_log;
  WatchCallback record = blocked_log.Callback();
  bool first = true;
  auto blocked = store().Watch("/registry/pods/", 0, [&](const Event& event) {
    record(event);
    if (event.type == EventType::kError) ended.set_value();
    if (std::exchange(first, false)) {
      entered.set_value();
      released.wait();
    }
  });
  EventLog healthy_log;
  auto healthy = store().Watch("/registry/pods/", 0, healthy_log.Callback());
  // Declared last so it runs first: a failed assertion must not leave the callback blocked.
  struct Unblock {
    std::promise<void>& release;
    bool done = false;
    void operator()() {
      if (!std::exchange(done, true)) release.set_value();
    }
    ~Unblock() { (*this)(); }
  } unblock{release};

  store().Create("/registry/pods/default/p0", "v");
  ASSERT_EQ(entered.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  // Each write waits for the healthy watcher to see it, so only the blocked one falls behind:
  // a healthy watcher that the scheduler left waiting for kQueue writes would be ended too.
  auto writes = std::async(std::launch::async, [&] {
    for (int i = 1; i < kWrites; ++i) {
      store().Create("/registry/pods/default/p" + std::to_string(i), "v");
      if (!healthy_log.WaitFor(static_cast<std::size_t>(i) + 1)) return false;
    }
    return true;
  });
  ASSERT_EQ(writes.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_TRUE(writes.get()) << "the healthy watcher stopped at " << healthy_log.events().size()
                            << " events";
  std::vector<Event> healthy_events = healthy_log.events();
  ASSERT_EQ(healthy_events.size(), std::size_t{kWrites});
  for (const Event& event : healthy_events) EXPECT_NE(event.type, EventType::kError);

  unblock();
  // The slow watcher gets what fitted its queue, then an error telling it to re-list.
  ASSERT_EQ(ended.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  std::vector<Event> events = blocked_log.events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, EventType::kError);
  EXPECT_LE(events.size(), kQueue + 2);
  EXPECT_FALSE(events.back().error.empty());
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    EXPECT_NE(events[i].type, EventType::kError);
  }
}

TEST_P(StoreTest, DataAndRevisionSurviveReopen) {
  Revision a = store().Create("/registry/pods/default/a", "a1");
  Revision a2 = store().Update("/registry/pods/default/a", "a2", a);
  store().Create("/registry/pods/default/b", "b1");
  Revision deleted = store().Delete("/registry/pods/default/b").revision;
  store().Compact(a2);
  Close();

  Open();
  EXPECT_EQ(store().CurrentRevision(), deleted);
  EXPECT_EQ(store().CompactedRevision(), a2);
  KeyValue got = store().Get("/registry/pods/default/a");
  EXPECT_EQ(got.value, "a2");
  EXPECT_EQ(got.create_revision, a);
  EXPECT_EQ(got.mod_revision, a2);
  EXPECT_TRUE(FailsWith(ErrorCode::kNotFound, [&] { store().Get("/registry/pods/default/b"); }));
  EXPECT_TRUE(FailsWith(ErrorCode::kGone, [&] { store().List("/registry/", 0, {}, a); }));
  EXPECT_GT(store().Create("/registry/pods/default/c", "c"), deleted);

  // History after the compaction point is still there for watches.
  EventLog log;
  auto watch = store().Watch("/registry/pods/", a2, log.Callback());
  ASSERT_TRUE(log.WaitFor(3));
  EXPECT_EQ(log.events()[1].type, EventType::kDeleted);
  EXPECT_EQ(log.events()[1].mod_revision, deleted);
}

TEST_P(StoreDiskUsageTest, CompactionBoundsDiskUsageUnderSteadyUpdates) {
  auto disk_usage = [&] { return GetParam().disk_usage(dir()); };
  constexpr int kKeys = 10;
  constexpr int kUpdatesPerRound = 100;
  const std::string value(2048, 'x');
  std::vector<Revision> revisions(kKeys);
  for (int k = 0; k < kKeys; ++k) {
    revisions[k] = store().Create("/registry/configmaps/default/c" + std::to_string(k), value);
  }
  auto round = [&] {
    for (int i = 0; i < kUpdatesPerRound; ++i) {
      int k = i % kKeys;
      revisions[k] =
          store().Update("/registry/configmaps/default/c" + std::to_string(k), value, revisions[k]);
    }
  };

  for (int r = 0; r < 3; ++r) {
    round();
    store().CompactOlderThan(20);
  }
  std::uintmax_t settled = disk_usage();
  for (int r = 0; r < 6; ++r) {
    round();
    store().CompactOlderThan(20);
  }
  std::uintmax_t compacted = disk_usage();
  EXPECT_LE(compacted, settled + settled / 10) << "settled " << settled;

  // Without compaction the same load keeps growing the store, so the bound above is compaction's.
  for (int r = 0; r < 6; ++r) round();
  EXPECT_GT(disk_usage(), compacted + 6 * kUpdatesPerRound * value.size() / 2);
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_EQ(store().Get("/registry/configmaps/default/c" + std::to_string(k)).mod_revision,
              revisions[k]);
  }
}

}  // namespace
}  // namespace hostlet::storage::testing
