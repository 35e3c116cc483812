// The single-node backend: one SQLite file in WAL mode.
//
// `log` is the source of truth, one row per write (a deletion keeps the value it removed);
// `current` mirrors the newest live row of each key for fast reads; `meta` holds the revision
// counter and the compaction point. Compaction drops the log rows no read at or after the
// compaction point can see and gives the pages back (incremental vacuum, WAL truncation).
//
// Writes commit in groups: the writer that opens a transaction waits for the writers already
// queued behind it to add theirs, then one COMMIT (one fsync) makes them all durable; each
// still gets its own revision and returns only once it is on disk. Under concurrent load this
// turns an fsync per write into an fsync per group.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "controlplane/storage/sqlite.h"
#include "controlplane/storage/store.h"
#include "controlplane/storage/watch_cache.h"

namespace hostlet::storage {

class SqliteStore : public Store {
 public:
  // Creates the file if it does not exist.
  explicit SqliteStore(const std::filesystem::path& file, WatchOptions watch_options = {});
  ~SqliteStore() override;

  Revision Create(const std::string& key, const std::string& value) override;
  KeyValue Get(const std::string& key) override;
  ListResult List(const std::string& prefix, std::size_t limit, const std::string& continue_key,
                  Revision at_revision) override;
  Revision Update(const std::string& key, const std::string& value,
                  Revision expected_mod_revision) override;
  DeleteResult Delete(const std::string& key, Revision expected_mod_revision) override;
  std::unique_ptr<WatchHandle> Watch(const std::string& prefix, Revision from_revision,
                                     WatchCallback callback) override;
  void Compact(Revision revision) override;
  Revision CurrentRevision() override;
  Revision CompactedRevision() override;

 private:
  struct Row {
    std::string value;
    Revision create_revision = 0;
    Revision mod_revision = 0;
  };

  void CreateSchema();
  std::vector<Event> LoadHistory(Revision after);
  static bool ReadCurrent(sqlite::Database& db, const std::string& key, Row* row);
  // The same without the value, which a write's checks do not need.
  static bool ReadRevisions(sqlite::Database& db, const std::string& key, Row* row);
  // Adds one write to the open group (opening one if needed) and returns its revision once
  // the group is committed; `lock` holds mutex_ and is released while waiting.
  Revision Write(std::unique_lock<std::mutex>& lock, const std::string& key,
                 const std::string& value, Revision create_revision, EventType type);
  // Lets queued writers join the open group, then commits it.
  void GatherAndCommit(std::unique_lock<std::mutex>& lock);
  // Commits the open group and hands its events to the watchers.
  void CommitGroup();
  // mutex_, counted while waiting for it, so a committer knows who is about to join.
  std::unique_lock<std::mutex> LockForWrite();

  // Writes (and watch registration, which must not fall between two writes) go through db_;
  // reads through reader_, a second connection that WAL lets read the last commit while a
  // write is being synced, so a get never waits for another client's fsync.
  std::mutex mutex_;
  std::atomic<int> writers_waiting_{0};
  sqlite::Database db_;
  std::mutex read_mutex_;
  std::unique_ptr<sqlite::Database> reader_;
  Revision revision_ = 0;  // committed: what reads, watches and CurrentRevision see
  Revision assigned_ = 0;  // the last revision handed to a write, committed or not
  Revision compacted_ = 0;
  // The open group: its transaction, its events (in revision order), and who waits for it.
  bool group_open_ = false;
  std::uint64_t group_ = 0;           // the number of the open (or last) group
  std::uint64_t finished_group_ = 0;  // every group up to this one is committed or failed
  std::uint64_t failed_group_ = 0;
  std::string failure_;
  std::vector<Event> pending_;
  std::condition_variable group_finished_;
  std::condition_variable queue_drained_;  // writers_waiting_ fell to 0
  std::unique_ptr<WatchCache> watch_cache_;
};

}  // namespace hostlet::storage
