// The SQLite layer keeps compiled statements and hands them out again: what a caller reads must
// not depend on whether its statement was kept, reused, or compiled afresh.
#include "controlplane/storage/sqlite.h"
#include "controlplane/storage/store.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <string>

namespace hostlet::storage::sqlite {
namespace {

class SqliteStatements : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hostlet-sqlite-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    db_ = std::make_unique<Database>(dir_ / "test.db");
    db_->Exec("CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT)");
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Put(const std::string& key, const std::string& value) {
    db_->Prepare("INSERT OR REPLACE INTO kv VALUES (?1, ?2)").Bind(1, key).Bind(2, value).Run();
  }
  std::string ValueOf(const std::string& key) {
    Statement read = db_->Prepare("SELECT value FROM kv WHERE key = ?1");
    read.Bind(1, key);
    return read.Step() ? read.Text(0) : "<none>";
  }

  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(SqliteStatements, AReusedStatementReadsWithItsNewBindings) {
  Put("a", "1");
  Put("b", "2");
  EXPECT_EQ(ValueOf("a"), "1");
  EXPECT_EQ(ValueOf("b"), "2");
  Put("a", "3");
  EXPECT_EQ(ValueOf("a"), "3");
  EXPECT_EQ(ValueOf("missing"), "<none>");
}

TEST_F(SqliteStatements, BindingsOfAnEarlierUseDoNotCarryOver) {
  Put("a", "1");
  EXPECT_EQ(ValueOf("a"), "1");
  // Nothing bound this time: the parameter is NULL, which matches no key.
  Statement read = db_->Prepare("SELECT value FROM kv WHERE key = ?1");
  EXPECT_FALSE(read.Step());
}

TEST_F(SqliteStatements, TheSameTextTwiceAtOnceGivesTwoIndependentStatements) {
  for (int i = 0; i < 3; ++i) Put("k" + std::to_string(i), std::to_string(i));
  Statement outer = db_->Prepare("SELECT key, value FROM kv ORDER BY key");
  int rows = 0;
  while (outer.Step()) {
    // The same SQL while the first is half way through its rows.
    Statement inner = db_->Prepare("SELECT key, value FROM kv ORDER BY key");
    ASSERT_TRUE(inner.Step());
    EXPECT_EQ(inner.Text(0), "k0");
    EXPECT_EQ(outer.Text(1), std::to_string(rows));
    ++rows;
  }
  EXPECT_EQ(rows, 3);
}

TEST_F(SqliteStatements, AStatementThatFailedCanBeUsedAgain) {
  db_->Exec("CREATE TABLE once (key TEXT PRIMARY KEY)");
  auto insert = [&](const std::string& key) {
    db_->Prepare("INSERT INTO once VALUES (?1)").Bind(1, key).Run();
  };
  insert("x");
  EXPECT_THROW(insert("x"), StorageError);  // a constraint failure
  EXPECT_NO_THROW(insert("y"));
  Statement count = db_->Prepare("SELECT COUNT(*) FROM once");
  ASSERT_TRUE(count.Step());
  EXPECT_EQ(count.Int(0), 2);
}

TEST_F(SqliteStatements, KeptStatementsDoNotHoldATransactionOpen) {
  Put("a", "1");
  EXPECT_EQ(ValueOf("a"), "1");
  // A kept read statement left mid-way would keep its read open and COMMIT would fail with
  // "SQL statements in progress"; a write transaction after reads must commit.
  {
    Transaction write(*db_);
    Put("a", "2");
    EXPECT_EQ(ValueOf("a"), "2");
    write.Commit();
  }
  Database other(dir_ / "test.db");
  Statement read = other.Prepare("SELECT value FROM kv WHERE key = 'a'");
  ASSERT_TRUE(read.Step());
  EXPECT_EQ(read.Text(0), "2");
}

}  // namespace
}  // namespace hostlet::storage::sqlite
