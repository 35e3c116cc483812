// The contract every Store backend meets, as a suite parameterized by backend: a backend joins
// with one INSTANTIATE_TEST_SUITE_P line naming how to open it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "controlplane/storage/store.h"
#include "controlplane/storage/watch_cache.h"
#include "tests/support/fixtures.h"

namespace hostlet::storage::testing {

// Bytes taken by every file under `dir`.
std::uintmax_t DiskUsage(const std::filesystem::path& dir);

struct Backend {
  std::string name;
  // Opens the store whose data lives under `dir`, creating it the first time.
  std::function<std::unique_ptr<Store>(const std::filesystem::path& dir, WatchOptions options)>
      open;
  // The disk space the store opened under `dir` takes; used by StoreDiskUsageTest, which only
  // backends whose space can be told apart per store instantiate (not etcd: one database holds
  // every prefix and gives compacted space back only when defragmented).
  std::function<std::uintmax_t(const std::filesystem::path& dir)> disk_usage = DiskUsage;
};

inline void PrintTo(const Backend& backend, std::ostream* out) { *out << backend.name; }

// Records a watch's events and lets a test wait for them without sleeping.
class EventLog {
 public:
  WatchCallback Callback();
  // True once at least `count` events arrived within `timeout`.
  bool WaitFor(std::size_t count, std::chrono::seconds timeout = std::chrono::seconds(30));
  std::vector<Event> events();

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Event> events_;
};

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { Open(); }

  void Open(WatchOptions options = {}) {
    store_.reset();
    store_ = GetParam().open(dir_.path(), options);
  }
  void Close() { store_.reset(); }
  Store& store() { return *store_; }
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  hostlet::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

// The contract's part about disk space, for backends that can measure it per store.
class StoreDiskUsageTest : public StoreTest {};

// The code of the StorageError `call` throws; fails the test if it throws none.
template <class Call>
::testing::AssertionResult FailsWith(ErrorCode expected, Call call) {
  try {
    call();
  } catch (const StorageError& error) {
    if (error.code() == expected) return ::testing::AssertionSuccess() << error.what();
    return ::testing::AssertionFailure()
           << "expected " << ErrorCodeName(expected) << ", got " << error.what();
  }
  return ::testing::AssertionFailure() << "expected " << ErrorCodeName(expected) << ", got none";
}

}  // namespace hostlet::storage::testing
