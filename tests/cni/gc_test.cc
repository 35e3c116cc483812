// GC (spec 1.1): after a crash left allocations of containers that no longer exist, GC with the
// runtime's list of valid attachments frees exactly the leaked addresses.
#include "tests/cni/cni_backend.h"
#include "tests/cni/test_netns.h"
#include "tests/cni/test_network.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace hostlet::cni_test {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

class BridgeGc : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    IsolateHostNetwork();
    backend_ = MakeBackend(GetParam());
  }
  static nlohmann::json WithValid(nlohmann::json config, const nlohmann::json& valid) {
    config["cni.dev/valid-attachments"] = valid;
    return config;
  }
  static std::string Address(const CniOutcome& added) {
    std::string cidr = added.json["ips"][0]["address"];
    return cidr.substr(0, cidr.find('/'));
  }
  std::unique_ptr<CniBackend> backend_;
};

TEST_P(BridgeGc, AfterACrashReleasesLeakedAddressesAndKeepsValidOnes) {
  TestNetwork network("gc");
  auto config = network.Config("1.1.0");
  // Three addresses in all, so that the leak shows as exhaustion.
  config["ipam"]["ranges"] = {{{{"subnet", network.subnet()},
                                {"rangeStart", network.Address(2)},
                                {"rangeEnd", network.Address(4)}}}};
  TestNetns keep("keep");
  TestNetns lost1("lost1");
  TestNetns lost2("lost2");
  CniOutcome kept = backend_->Run({"ADD", "ctr-keep", keep.path()}, config);
  CniOutcome leaked1 = backend_->Run({"ADD", "ctr-lost1", lost1.path()}, config);
  CniOutcome leaked2 = backend_->Run({"ADD", "ctr-lost2", lost2.path()}, config);
  ASSERT_TRUE(kept.ok && leaked1.ok && leaked2.ok) << kept.raw << leaked1.raw << leaked2.raw;

  // The crash: the runtime lost two pods without a DEL, and their namespaces went away.
  lost1.Delete();
  lost2.Delete();
  TestNetns newcomer("new");
  CniOutcome refused = backend_->Run({"ADD", "ctr-new", newcomer.path()}, config);
  ASSERT_FALSE(refused.ok) << "the leaked addresses should still be held before GC";

  CniOutcome collected = backend_->Run(
      {"GC", "", ""}, WithValid(config, {{{"containerID", "ctr-keep"}, {"ifname", "eth0"}}}));
  ASSERT_TRUE(collected.ok) << collected.raw;
  EXPECT_THAT(network.Reservations(), ElementsAre(Address(kept)));
  // The store's bookkeeping files are not reservations and stay.
  EXPECT_TRUE(std::filesystem::exists(network.store_dir() + "/lock"));
  EXPECT_TRUE(std::filesystem::exists(network.store_dir() + "/last_reserved_ip.0"));

  // The freed addresses are allocatable again, and the valid pod kept its network.
  CniOutcome admitted = backend_->Run({"ADD", "ctr-new", newcomer.path()}, config);
  ASSERT_TRUE(admitted.ok) << admitted.raw;
  EXPECT_THAT(Address(admitted), AnyOf(Address(leaked1), Address(leaked2)));
  EXPECT_TRUE(keep.Ping(network.gateway()));
  EXPECT_TRUE(keep.Ping(Address(admitted)));
  backend_->Run({"DEL", "ctr-new", newcomer.path()}, config);
  backend_->Run({"DEL", "ctr-keep", keep.path()}, config);
}

TEST_P(BridgeGc, MatchesTheInterfaceNameAndUnderstandsLegacyFiles) {
  TestNetwork network("gcif");
  auto config = network.Config("1.1.0");
  TestNetns pod("twoif");
  CniOutcome eth0 = backend_->Run({"ADD", "ctr-two", pod.path(), "eth0"}, config);
  CniOutcome eth1 = backend_->Run({"ADD", "ctr-two", pod.path(), "eth1"}, config);
  ASSERT_TRUE(eth0.ok && eth1.ok) << eth0.raw << eth1.raw;
  // Files as host-local wrote them before it recorded interface names: the container ID alone.
  std::ofstream(network.store_dir() + "/" + network.Address(200)) << "ctr-legacy";
  std::ofstream(network.store_dir() + "/" + network.Address(201)) << "ctr-forgotten";

  CniOutcome collected = backend_->Run(
      {"GC", "", ""}, WithValid(config, {{{"containerID", "ctr-two"}, {"ifname", "eth0"}},
                                         {{"containerID", "ctr-legacy"}, {"ifname", "eth0"}}}));
  ASSERT_TRUE(collected.ok) << collected.raw;
  EXPECT_THAT(network.Reservations(), UnorderedElementsAre(Address(eth0), network.Address(200)));
  backend_->Run({"DEL", "ctr-two", pod.path(), "eth0"}, config);
  backend_->Run({"DEL", "ctr-two", pod.path(), "eth1"}, config);
}

TEST_P(BridgeGc, RefusesWithoutTheListOfValidAttachments) {
  TestNetwork network("gcnolist");
  auto config = network.Config("1.1.0");
  TestNetns pod("nolist");
  ASSERT_TRUE(backend_->Run({"ADD", "ctr-a", pod.path()}, config).ok);
  CniOutcome refused = backend_->Run({"GC", "", ""}, config);
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.code(), 7) << refused.raw;
  EXPECT_THAT(refused.msg(), ::testing::HasSubstr("cni.dev/valid-attachments"));
  EXPECT_EQ(network.Reservations().size(), 1u);
  backend_->Run({"DEL", "ctr-a", pod.path()}, config);
}

INSTANTIATE_TEST_SUITE_P(Backends, BridgeGc,
                         ::testing::Values(Backend::kInProcess, Backend::kHostletCni),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace hostlet::cni_test
