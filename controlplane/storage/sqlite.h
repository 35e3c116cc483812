// A thin RAII layer over the SQLite C API; every failure becomes a StorageError (Internal).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace hostlet::storage::sqlite {

class Statement;

class Database {
 public:
  explicit Database(const std::filesystem::path& file);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void Exec(const std::string& sql);
  Statement Prepare(std::string_view sql);

  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// Binds are 1-based as in SQLite; columns 0-based.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;

  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, std::string_view bytes);

  // True while there is a row to read.
  bool Step();
  void Run();  // a statement that returns no rows

  std::int64_t Int(int column);
  std::string Text(int column);

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Everything between construction and Commit() is rolled back if Commit() is not reached. A
// write transaction takes the database's write lock at once; a read transaction is a snapshot
// from its first read on, and never blocks the writer in WAL mode.
class Transaction {
 public:
  enum class Mode { kWrite, kRead };
  explicit Transaction(Database& db, Mode mode = Mode::kWrite);
  ~Transaction();
  void Commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace hostlet::storage::sqlite
