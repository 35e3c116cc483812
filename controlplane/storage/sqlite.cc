#include "controlplane/storage/sqlite.h"

#include <sqlite3.h>

#include "controlplane/storage/store.h"

namespace hostlet::storage::sqlite {
namespace {

[[noreturn]] void Fail(sqlite3* db, std::string_view what) {
  throw StorageError(ErrorCode::kInternal, "sqlite: " + std::string(what) + ": " +
                                               (db ? sqlite3_errmsg(db) : "no memory"));
}

}  // namespace

Database::Database(const std::filesystem::path& file) {
  int rc =
      sqlite3_open_v2(file.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : "no memory";
    sqlite3_close(db_);
    throw StorageError(ErrorCode::kInternal, "sqlite: open " + file.string() + ": " + message);
  }
  sqlite3_busy_timeout(db_, 5000);
}

Database::~Database() {
  // A connection does not close while statements of it remain.
  for (auto& [sql, kept] : kept_) sqlite3_finalize(kept.stmt);
  sqlite3_close(db_);
}

void Database::Exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw StorageError(ErrorCode::kInternal, "sqlite: " + sql + ": " + message);
  }
}

void Database::Run(std::string_view sql) { Prepare(sql).Run(); }

Statement Database::Prepare(std::string_view sql) {
  auto [entry, added] = kept_.try_emplace(std::string(sql));
  Kept& kept = entry->second;
  if (added) {
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &kept.stmt, nullptr) != SQLITE_OK) {
      kept_.erase(entry);
      Fail(db_, sql);
    }
  } else if (kept.in_use) {
    return Statement(db_, sql);
  }
  kept.in_use = true;
  return Statement(db_, kept.stmt, &kept.in_use);
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
      SQLITE_OK) {
    Fail(db, sql);
  }
}

Statement::~Statement() {
  if (in_use_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  // Reset, so that it holds no read snapshot and keeps no transaction busy, and no copy of the
  // values bound to it.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), in_use_(other.in_use_) {
  other.stmt_ = nullptr;
  other.in_use_ = nullptr;
}

Statement& Statement::Bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) Fail(db_, "bind");
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK) {
    Fail(db_, "bind");
  }
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  // A zero-length blob from a null pointer would bind NULL; the columns are NOT NULL.
  static const char kEmpty = 0;
  const char* data = bytes.empty() ? &kEmpty : bytes.data();
  if (sqlite3_bind_blob(stmt_, index, data, static_cast<int>(bytes.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK) {
    Fail(db_, "bind");
  }
  return *this;
}

bool Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Fail(db_, sqlite3_sql(stmt_));
}

void Statement::Run() {
  while (Step()) {
  }
}

std::int64_t Statement::Int(int column) { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  return data ? std::string(static_cast<const char*>(data), size) : std::string();
}

Transaction::Transaction(Database& db, Mode mode) : db_(db) {
  db_.Run(mode == Mode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

Transaction::~Transaction() {
  if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::Commit() {
  db_.Run("COMMIT");
  done_ = true;
}

}  // namespace hostlet::storage::sqlite
