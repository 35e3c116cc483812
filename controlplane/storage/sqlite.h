// A thin RAII layer over the SQLite C API; every failure becomes a StorageError (Internal).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace hostlet::storage::sqlite {

class Statement;

// One connection, used by one thread at a time (its owner serializes).
//
// Prepared statements are kept, one per SQL text, and reused: compiling SQL was a fifth of a
// store write's CPU time. A statement still in use when the same text is asked for again is
// compiled afresh for the second user and finalized after it.
class Database {
 public:
  explicit Database(const std::filesystem::path& file);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Any SQL, several statements included, compiled each time: for schema work and pragmas.
  void Exec(const std::string& sql);
  // One statement with no rows, through the kept statements: for the frequent ones.
  void Run(std::string_view sql);
  Statement Prepare(std::string_view sql);

  sqlite3* handle() { return db_; }

 private:
  struct Kept {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, Kept> kept_;
};

// Binds are 1-based as in SQLite; columns 0-based.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();  // a kept statement is reset and its bindings cleared, others finalized
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
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* kept, bool* in_use)
      : db_(db), stmt_(kept), in_use_(in_use) {}

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool* in_use_ = nullptr;  // set for a kept statement: its flag in the database's table
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
