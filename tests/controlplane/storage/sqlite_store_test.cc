// The Store conformance suite against the SQLite backend.
#include "controlplane/storage/sqlite_store.h"
#include "tests/controlplane/storage/store_conformance.h"

namespace hostlet::storage::testing {
namespace {

Backend SqliteBackend() {
  return Backend{"sqlite",
                 [](const std::filesystem::path& dir, WatchOptions options) {
                   return std::make_unique<SqliteStore>(dir / "store.db", options);
                 },
                 DiskUsage};
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreTest, ::testing::Values(SqliteBackend()),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param.name;
                         });
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreDiskUsageTest, ::testing::Values(SqliteBackend()),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace hostlet::storage::testing
