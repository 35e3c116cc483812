// The Store conformance suite against the etcd backend: one private etcd member for the whole
// suite, each test's store under a prefix of its own, so reopening a test's store finds its data.
#include "controlplane/storage/etcd_store.h"
#include "tests/controlplane/storage/store_conformance.h"
#include "tests/support/etcd_cluster.h"

namespace hostlet::storage::testing {
namespace {

hostlet::testing::EtcdCluster& SharedEtcd() {
  static hostlet::testing::EtcdCluster cluster(1);
  return cluster;
}

INSTANTIATE_TEST_SUITE_P(
    Etcd, StoreTest,
    ::testing::Values(Backend{.name = "etcd",
                              .open =
                                  [](const std::filesystem::path& dir, WatchOptions options) {
                                    EtcdOptions etcd;
                                    etcd.endpoints = SharedEtcd().ClientUrls();
                                    etcd.prefix = "/hostlet-test" + dir.string();
                                    etcd.watch = options;
                                    return std::make_unique<EtcdStore>(etcd);
                                  },
                              .disk_usage = nullptr}),
    [](const ::testing::TestParamInfo<Backend>& info) { return info.param.name; });

}  // namespace
}  // namespace hostlet::storage::testing
