#include "controlplane/storage/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>

namespace hostlet::storage {
namespace {

std::string Quote(const std::string& key) { return "\"" + key + "\""; }

// The most writes one commit takes: a group that has them commits without waiting for more.
constexpr std::size_t kMaxGroupWrites = 512;

// The first string after every string that starts with `prefix`, as etcd computes a range end;
// none when the prefix is empty or all 0xff bytes.
std::optional<std::string> PrefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    if (static_cast<unsigned char>(prefix.back()) != 0xff) {
      prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::nullopt;
}

}  // namespace

SqliteStore::SqliteStore(const std::filesystem::path& file, WatchOptions watch_options)
    : db_(file) {
  CreateSchema();
  reader_ = std::make_unique<sqlite::Database>(file);
  {
    sqlite::Statement meta = db_.Prepare("SELECT name, value FROM meta");
    while (meta.Step()) {
      if (meta.Text(0) == "revision") revision_ = meta.Int(1);
      if (meta.Text(0) == "compacted") compacted_ = meta.Int(1);
    }
  }
  assigned_ = revision_;
  Revision history_start =
      std::max<Revision>(compacted_, revision_ - static_cast<Revision>(watch_options.history));
  watch_cache_ =
      std::make_unique<WatchCache>(watch_options, history_start, LoadHistory(history_start));
}

SqliteStore::~SqliteStore() = default;

void SqliteStore::CreateSchema() {
  // auto_vacuum only takes effect before the first table exists, so it comes first.
  db_.Exec("PRAGMA auto_vacuum = INCREMENTAL");
  db_.Exec("PRAGMA journal_mode = WAL");
  db_.Exec("PRAGMA synchronous = FULL");
  sqlite::Transaction transaction(db_);
  db_.Exec(
      "CREATE TABLE IF NOT EXISTS log (revision INTEGER PRIMARY KEY, key TEXT NOT NULL, "
      "value BLOB NOT NULL, create_revision INTEGER NOT NULL, created INTEGER NOT NULL, "
      "deleted INTEGER NOT NULL)");
  db_.Exec("CREATE INDEX IF NOT EXISTS log_by_key ON log (key, revision)");
  db_.Exec(
      "CREATE TABLE IF NOT EXISTS current (key TEXT PRIMARY KEY, value BLOB NOT NULL, "
      "create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL) WITHOUT ROWID");
  db_.Exec(
      "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) "
      "WITHOUT ROWID");
  db_.Exec("INSERT OR IGNORE INTO meta VALUES ('revision', 0), ('compacted', 0)");
  transaction.Commit();
}

std::vector<Event> SqliteStore::LoadHistory(Revision after) {
  std::vector<Event> events;
  sqlite::Statement rows = db_.Prepare(
      "SELECT revision, key, value, created, deleted FROM log WHERE revision > ?1 "
      "ORDER BY revision");
  rows.Bind(1, after);
  while (rows.Step()) {
    EventType type = rows.Int(4)   ? EventType::kDeleted
                     : rows.Int(3) ? EventType::kAdded
                                   : EventType::kModified;
    events.push_back(Event{.type = type,
                           .key = rows.Text(1),
                           .value = rows.Text(2),
                           .mod_revision = rows.Int(0),
                           .error = {}});
  }
  return events;
}

bool SqliteStore::ReadCurrent(sqlite::Database& db, const std::string& key, Row* row) {
  sqlite::Statement read =
      db.Prepare("SELECT value, create_revision, mod_revision FROM current WHERE key = ?1");
  read.Bind(1, key);
  if (!read.Step()) return false;
  *row = Row{read.Text(0), read.Int(1), read.Int(2)};
  return true;
}

bool SqliteStore::ReadRevisions(sqlite::Database& db, const std::string& key, Row* row) {
  sqlite::Statement read =
      db.Prepare("SELECT create_revision, mod_revision FROM current WHERE key = ?1");
  read.Bind(1, key);
  if (!read.Step()) return false;
  row->create_revision = read.Int(0);
  row->mod_revision = read.Int(1);
  return true;
}

std::unique_lock<std::mutex> SqliteStore::LockForWrite() {
  ++writers_waiting_;
  std::unique_lock lock(mutex_);
  // The last of the queue in: a committer gathering them may go on once this one has joined
  // (or failed), that is once it lets go of the lock.
  if (--writers_waiting_ == 0) queue_drained_.notify_one();
  return lock;
}

Revision SqliteStore::Write(std::unique_lock<std::mutex>& lock, const std::string& key,
                            const std::string& value, Revision create_revision, EventType type) {
  // The write that opens a group commits it.
  bool leader = !group_open_;
  if (leader) {
    db_.Run("BEGIN IMMEDIATE");
    group_open_ = true;
    ++group_;
  }
  std::uint64_t group = group_;
  Revision revision = assigned_ + 1;
  if (type == EventType::kAdded) create_revision = revision;
  // A savepoint per write: one that fails leaves the group's others intact.
  db_.Run("SAVEPOINT one_write");
  try {
    db_.Prepare("INSERT INTO log VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .Bind(1, revision)
        .Bind(2, key)
        .BindBlob(3, value)
        .Bind(4, create_revision)
        .Bind(5, std::int64_t{type == EventType::kAdded})
        .Bind(6, std::int64_t{type == EventType::kDeleted})
        .Run();
    if (type == EventType::kDeleted) {
      db_.Prepare("DELETE FROM current WHERE key = ?1").Bind(1, key).Run();
    } else {
      db_.Prepare("INSERT OR REPLACE INTO current VALUES (?1, ?2, ?3, ?4)")
          .Bind(1, key)
          .BindBlob(2, value)
          .Bind(3, create_revision)
          .Bind(4, revision)
          .Run();
    }
    db_.Run("RELEASE one_write");
  } catch (...) {
    sqlite3_exec(db_.handle(), "ROLLBACK TO one_write; RELEASE one_write", nullptr, nullptr,
                 nullptr);
    // The others who joined this group still need it committed.
    if (leader) GatherAndCommit(lock);
    throw;
  }
  assigned_ = revision;
  pending_.push_back(
      Event{.type = type, .key = key, .value = value, .mod_revision = revision, .error = {}});
  if (leader) {
    GatherAndCommit(lock);
  } else {
    if (pending_.size() >= kMaxGroupWrites) queue_drained_.notify_one();  // full: commit it
    group_finished_.wait(lock, [&] { return finished_group_ >= group; });
  }
  if (failed_group_ == group) throw StorageError(ErrorCode::kInternal, failure_);
  return revision;
}

void SqliteStore::GatherAndCommit(std::unique_lock<std::mutex>& lock) {
  // The writers already queued for the lock add theirs first, for at most half a millisecond:
  // about what the fsync they would otherwise each pay costs. The committer sleeps meanwhile
  // rather than yield in a loop: on a busy machine a yielding thread can wait out a whole round
  // of the scheduler before it runs again, and the group (every writer in it) with it.
  auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(500);
  queue_drained_.wait_until(lock, until, [&] {
    return writers_waiting_.load() == 0 || pending_.size() >= kMaxGroupWrites;
  });
  CommitGroup();
}

void SqliteStore::CommitGroup() {
  try {
    db_.Prepare("UPDATE meta SET value = ?1 WHERE name = 'revision'").Bind(1, assigned_).Run();
    db_.Run("COMMIT");
    revision_ = assigned_;
    for (auto& event : pending_) watch_cache_->Append(std::move(event));
  } catch (const StorageError& error) {
    // Nothing of the group happened: every write in it fails, and their revisions are reused.
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    assigned_ = revision_;
    failed_group_ = group_;
    failure_ = std::string("commit failed: ") + error.what();
  }
  pending_.clear();
  group_open_ = false;
  finished_group_ = group_;
  group_finished_.notify_all();
}

Revision SqliteStore::Create(const std::string& key, const std::string& value) {
  if (key.empty()) throw StorageError(ErrorCode::kInvalidArgument, "create: empty key");
  auto lock = LockForWrite();
  Row row;
  if (ReadRevisions(db_, key, &row)) {
    throw StorageError(ErrorCode::kAlreadyExists, "key " + Quote(key) + " already exists");
  }
  return Write(lock, key, value, 0, EventType::kAdded);
}

KeyValue SqliteStore::Get(const std::string& key) {
  std::lock_guard lock(read_mutex_);
  Row row;
  if (!ReadCurrent(*reader_, key, &row))
    throw StorageError(ErrorCode::kNotFound, "key " + Quote(key));
  return KeyValue{key, std::move(row.value), row.create_revision, row.mod_revision};
}

Revision SqliteStore::Update(const std::string& key, const std::string& value,
                             Revision expected_mod_revision) {
  auto lock = LockForWrite();
  Row row;
  if (!ReadRevisions(db_, key, &row)) throw StorageError(ErrorCode::kNotFound, "key " + Quote(key));
  if (row.mod_revision != expected_mod_revision) {
    throw StorageError(ErrorCode::kConflict, "key " + Quote(key) + " is at revision " +
                                                 std::to_string(row.mod_revision) + ", not " +
                                                 std::to_string(expected_mod_revision));
  }
  return Write(lock, key, value, row.create_revision, EventType::kModified);
}

DeleteResult SqliteStore::Delete(const std::string& key, Revision expected_mod_revision) {
  auto lock = LockForWrite();
  Row row;
  if (!ReadCurrent(db_, key, &row)) throw StorageError(ErrorCode::kNotFound, "key " + Quote(key));
  if (expected_mod_revision != 0 && row.mod_revision != expected_mod_revision) {
    throw StorageError(ErrorCode::kConflict, "key " + Quote(key) + " is at revision " +
                                                 std::to_string(row.mod_revision) + ", not " +
                                                 std::to_string(expected_mod_revision));
  }
  Revision revision = Write(lock, key, row.value, row.create_revision, EventType::kDeleted);
  return DeleteResult{std::move(row.value), revision};
}

ListResult SqliteStore::List(const std::string& prefix, std::size_t limit,
                             const std::string& continue_key, Revision at_revision) {
  if (!continue_key.empty() && !continue_key.starts_with(prefix)) {
    throw StorageError(ErrorCode::kInvalidArgument,
                       "continue key " + Quote(continue_key) + " is not under " + Quote(prefix));
  }
  std::lock_guard lock(read_mutex_);
  // One read transaction is one snapshot: the counters and the rows agree even while writes
  // and compactions commit on the other connection.
  sqlite::Transaction snapshot(*reader_, sqlite::Transaction::Mode::kRead);
  Revision newest = 0, compacted = 0;
  {
    sqlite::Statement meta = reader_->Prepare("SELECT name, value FROM meta");
    while (meta.Step()) {
      if (meta.Text(0) == "revision") newest = meta.Int(1);
      if (meta.Text(0) == "compacted") compacted = meta.Int(1);
    }
  }
  if (at_revision < 0 || at_revision > newest) {
    throw StorageError(ErrorCode::kInvalidArgument,
                       "list of " + Quote(prefix) + " at revision " + std::to_string(at_revision) +
                           ": the current revision is " + std::to_string(newest));
  }
  if (at_revision != 0 && at_revision < compacted) {
    throw StorageError(ErrorCode::kGone, "list of " + Quote(prefix) + " at revision " +
                                             std::to_string(at_revision) + ": compacted up to " +
                                             std::to_string(compacted));
  }
  Revision revision = at_revision == 0 ? newest : at_revision;
  std::optional<std::string> end = PrefixEnd(prefix);
  std::string range = end ? "key >= ?1 AND key < ?2 AND key > ?3" : "key >= ?1 AND key > ?3";
  // `current` answers reads at the newest revision; older ones find each key's newest log row.
  std::string sql =
      revision == newest
          ? "SELECT key, value, create_revision, mod_revision FROM current WHERE " + range +
                " ORDER BY key LIMIT ?4"
          : "SELECT key, value, create_revision, revision FROM (SELECT key, value, "
            "create_revision, deleted, MAX(revision) AS revision FROM log WHERE " +
                range + " AND revision <= ?5 GROUP BY key) WHERE deleted = 0 ORDER BY key LIMIT ?4";
  sqlite::Statement rows = reader_->Prepare(sql);
  rows.Bind(1, prefix);
  if (end) rows.Bind(2, *end);
  rows.Bind(3, continue_key);
  // One row more than asked tells whether another page follows.
  rows.Bind(4, limit == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(limit) + 1);
  if (revision != newest) rows.Bind(5, revision);

  ListResult result;
  result.revision = revision;
  while (rows.Step()) {
    if (limit != 0 && result.items.size() == limit) {
      result.continue_key = result.items.back().key;
      break;
    }
    result.items.push_back(KeyValue{rows.Text(0), rows.Text(1), rows.Int(2), rows.Int(3)});
  }
  return result;
}

std::unique_ptr<WatchHandle> SqliteStore::Watch(const std::string& prefix, Revision from_revision,
                                                WatchCallback callback) {
  std::lock_guard lock(mutex_);
  if (from_revision < 0) {
    throw StorageError(
        ErrorCode::kInvalidArgument,
        "watch of " + Quote(prefix) + " from revision " + std::to_string(from_revision));
  }
  Revision from = from_revision == 0 ? revision_ : from_revision;
  if (from < compacted_) {
    throw StorageError(ErrorCode::kGone, "watch of " + Quote(prefix) + " from revision " +
                                             std::to_string(from) + ": compacted up to " +
                                             std::to_string(compacted_));
  }
  // Under the store's lock, so no write falls between "now" and the watch starting.
  return watch_cache_->Watch(prefix, from, std::move(callback));
}

void SqliteStore::Compact(Revision revision) {
  std::unique_lock lock(mutex_);
  // Between groups: an open one's committer may have let go of the lock to gather writers.
  group_finished_.wait(lock, [&] { return !group_open_; });
  if (revision > revision_) {
    throw StorageError(ErrorCode::kInvalidArgument,
                       "compact to revision " + std::to_string(revision) +
                           ": the current revision is " + std::to_string(revision_));
  }
  if (revision <= compacted_) return;
  {
    sqlite::Transaction transaction(db_);
    // A row no read at or after `revision` can see: a deletion, or one overwritten by then.
    db_.Prepare(
           "DELETE FROM log WHERE revision <= ?1 AND (deleted = 1 OR EXISTS (SELECT 1 FROM log "
           "AS newer WHERE newer.key = log.key AND newer.revision > log.revision AND "
           "newer.revision <= ?1))")
        .Bind(1, revision)
        .Run();
    db_.Prepare("UPDATE meta SET value = ?1 WHERE name = 'compacted'").Bind(1, revision).Run();
    transaction.Commit();
  }
  compacted_ = revision;
  watch_cache_->Compact(revision);
  db_.Exec("PRAGMA incremental_vacuum");
  db_.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

Revision SqliteStore::CurrentRevision() {
  std::lock_guard lock(mutex_);
  return revision_;
}

Revision SqliteStore::CompactedRevision() {
  std::lock_guard lock(mutex_);
  return compacted_;
}

}  // namespace hostlet::storage
