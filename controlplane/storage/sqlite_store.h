// The single-node backend: one SQLite file in WAL mode.
//
// `log` is the source of truth, one row per write (a deletion keeps the value it removed);
// `current` mirrors the newest live row of each key for fast reads; `meta` holds the revision
// counter and the compaction point. Compaction drops the log rows no read at or after the
// compaction point can see and gives the pages back (incremental vacuum, WAL truncation).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

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
  // Appends one write to the log, updates `current` and the counter; returns the new revision.
  Revision Write(const std::string& key, const std::string& value, Revision create_revision,
                 EventType type);

  // Writes (and watch registration, which must not fall between two writes) go through db_;
  // reads through reader_, a second connection that WAL lets read the last commit while a
  // write is being synced, so a get never waits for another client's fsync.
  std::mutex mutex_;
  sqlite::Database db_;
  std::mutex read_mutex_;
  std::unique_ptr<sqlite::Database> reader_;
  Revision revision_ = 0;
  Revision compacted_ = 0;
  std::unique_ptr<WatchCache> watch_cache_;
};

}  // namespace hostlet::storage
