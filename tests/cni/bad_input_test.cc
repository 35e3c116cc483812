// Bad input gets the spec's error code and a clear message, and a failed ADD leaves nothing behind:
// no interface on the bridge or in the pod, no address reservation, no held lock.
#include "tests/cni/cni_backend.h"
#include "tests/cni/test_netns.h"
#include "tests/cni/test_network.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

namespace hostlet::cni_test {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

class BridgeBadInput : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    IsolateHostNetwork();
    backend_ = MakeBackend(GetParam());
  }

  // Nothing of a failed ADD into `pod` remains.
  void ExpectNothingLeft(const TestNetwork& network, const TestNetns& pod) {
    EXPECT_FALSE(pod.HasInterface("eth0"));
    EXPECT_THAT(network.BridgePorts(), IsEmpty());
    EXPECT_THAT(network.Reservations(), IsEmpty());
    EXPECT_FALSE(network.StoreLocked());
  }

  std::unique_ptr<CniBackend> backend_;
};

TEST_P(BridgeBadInput, MalformedJsonIsADecodeFailure) {
  TestNetwork network("json");
  TestNetns pod("json");
  CniOutcome outcome =
      backend_->RunText({"ADD", "ctr-j", pod.path()}, R"({"cniVersion": "1.0.0",)");
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.code(), 6) << outcome.raw;
  ExpectNothingLeft(network, pod);
}

TEST_P(BridgeBadInput, AnUnsupportedCniVersionIsIncompatible) {
  TestNetwork network("version");
  TestNetns pod("version");
  CniOutcome outcome = backend_->Run({"ADD", "ctr-v", pod.path()}, network.Config("9.9.9"));
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.code(), 1) << outcome.raw;
  EXPECT_THAT(outcome.msg(), HasSubstr("9.9.9"));
  EXPECT_THAT(outcome.msg(), HasSubstr("1.0.0"));
  ExpectNothingLeft(network, pod);
  EXPECT_FALSE(std::filesystem::exists(network.store_dir()));
}

struct InvalidCase {
  std::string label;
  std::function<void(nlohmann::json&, CniCall&)> spoil;
  int code;
  std::string message;
};

TEST_P(BridgeBadInput, InvalidConfigurationsAndParametersAreRefusedBeforeAnythingChanges) {
  const std::vector<InvalidCase> cases = {
      {"mac", [](auto& c, auto&) { c["runtimeConfig"]["mac"] = "not-a-mac"; }, 7, "mac"},
      {"vlan", [](auto& c, auto&) { c["vlan"] = 5000; }, 7, "vlan"},
      {"modes", [](auto& c, auto&) { c["hairpinMode"] = c["promiscMode"] = true; }, 7,
       "hairpin mode and promiscuous mode"},
      {"mtu type", [](auto& c, auto&) { c["mtu"] = "1500"; }, 7, "mtu"},
      {"ipam type", [](auto& c, auto&) { c["ipam"]["type"] = "dhcp"; }, 2, "dhcp"},
      {"no ranges", [](auto& c, auto&) { c["ipam"].erase("ranges"); }, 7, "no IP ranges"},
      {"tiny subnet",
       [](auto& c, auto&) {
         c["ipam"]["ranges"] = {{{{"subnet", "10.123.200.0/31"}}}};
       },
       7, "too small"},
      {"network name", [](auto& c, auto&) { c["name"] = "../escape"; }, 7, "name"},
      {"ifname", [](auto&, auto& call) { call.if_name = "bad/name"; }, 4, "CNI_IFNAME"},
      {"container id", [](auto&, auto& call) { call.container_id = "-leading-dash"; }, 4,
       "CNI_CONTAINERID"},
      {"netns", [](auto&, auto& call) { call.netns = "/var/run/netns/no-such-pod"; }, 3,
       "no-such-pod"},
  };
  TestNetwork network("invalid");
  TestNetns pod("invalid");
  for (const InvalidCase& bad : cases) {
    SCOPED_TRACE(bad.label);
    nlohmann::json config = network.Config();
    CniCall call("ADD", "ctr-invalid", pod.path());
    bad.spoil(config, call);
    CniOutcome outcome = backend_->Run(call, config);
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.code(), bad.code) << outcome.raw;
    EXPECT_THAT(outcome.msg(), HasSubstr(bad.message));
    ExpectNothingLeft(network, pod);
  }
}

TEST_P(BridgeBadInput, AFailureHalfWayIsRolledBack) {
  TestNetwork network("rollback");
  TestNetns pod("rollback");
  // The pod already has an eth0, so the veth pair cannot be created once the address is
  // reserved and the bridge exists.
  ASSERT_EQ(
      pod.Exec({"ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth9"}).exit_code, 0);
  CniOutcome outcome = backend_->Run({"ADD", "ctr-rb", pod.path()}, network.Config());
  EXPECT_FALSE(outcome.ok);
  EXPECT_THAT(outcome.msg(), HasSubstr("eth0"));
  EXPECT_THAT(network.BridgePorts(), IsEmpty());
  EXPECT_THAT(network.Reservations(), IsEmpty());
  EXPECT_FALSE(network.StoreLocked());
}

TEST_P(BridgeBadInput, AGatewayClashOnTheBridgeIsRolledBack) {
  TestNetwork network("clash");
  TestNetns pod("clash");
  HostCommand({"ip", "link", "add", network.bridge(), "type", "bridge"});
  HostCommand({"ip", "addr", "add", "10.124.9.1/24", "dev", network.bridge()});
  CniOutcome outcome = backend_->Run({"ADD", "ctr-clash", pod.path()}, network.Config());
  EXPECT_FALSE(outcome.ok);
  EXPECT_THAT(outcome.msg(), HasSubstr("already has an IP address"));
  ExpectNothingLeft(network, pod);
}

// A link of another kind with the bridge's name is refused by name, neither taken for a bridge
// nor replaced.
TEST_P(BridgeBadInput, ABridgeNameTakenByAnotherKindOfLinkIsRefused) {
  TestNetwork network("kind");
  TestNetns pod("kind");
  const std::string peer = UniqueName("hbpeer", 15);
  HostCommand({"ip", "link", "add", network.bridge(), "type", "veth", "peer", "name", peer});
  CniOutcome outcome = backend_->Run({"ADD", "ctr-kind", pod.path()}, network.Config());
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.code(), 999) << outcome.raw;
  EXPECT_THAT(outcome.msg(),
              HasSubstr("\"" + network.bridge() + "\" already exists but is not a bridge"));
  EXPECT_FALSE(pod.HasInterface("eth0"));
  EXPECT_THAT(network.Reservations(), IsEmpty());
  EXPECT_FALSE(network.StoreLocked());
  HostCommand({"ip", "link", "del", peer});
}

// The module reserves addresses while it builds the host side; a reservation that fails must
// still leave the host as it found it, as when reserving came first: no bridge made for nothing.
TEST_P(BridgeBadInput, AnAddressThatCannotBeReservedLeavesNoBridge) {
  TestNetwork network("noaddr");
  TestNetns pod("noaddr");
  auto config = network.Config();
  config["args"]["cni"]["ips"] = {"10.250.0.5"};  // in no range of the network
  CniOutcome outcome = backend_->Run({"ADD", "ctr-noaddr", pod.path()}, config);
  EXPECT_FALSE(outcome.ok);
  EXPECT_THAT(outcome.msg(), HasSubstr("failed to allocate all requested IPs: 10.250.0.5"));
  EXPECT_FALSE(network.BridgeExists());
  ExpectNothingLeft(network, pod);
}

// A second ADD of an attachment that fails must not take the first one's address with it.
TEST_P(BridgeBadInput, AFailedRepeatOfAnAddKeepsTheFirstAddsAddress) {
  TestNetwork network("again");
  TestNetns pod("again");
  CniOutcome first = backend_->Run({"ADD", "ctr-again", pod.path()}, network.Config());
  ASSERT_TRUE(first.ok) << first.raw;
  const std::vector<std::string> held = network.Reservations();
  ASSERT_EQ(held.size(), 1u);
  // Another address asked for: reserved, then given back when the pod's eth0 turns out taken.
  auto config = network.Config();
  config["args"]["cni"]["ips"] = {network.Address(77)};
  CniOutcome again = backend_->Run({"ADD", "ctr-again", pod.path()}, config);
  EXPECT_FALSE(again.ok);
  EXPECT_EQ(network.Reservations(), held);
  EXPECT_EQ(network.BridgePorts().size(), 1u);
  EXPECT_FALSE(network.StoreLocked());
  EXPECT_TRUE(backend_->Run({"DEL", "ctr-again", pod.path()}, network.Config()).ok);
  EXPECT_THAT(network.Reservations(), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Backends, BridgeBadInput,
                         ::testing::Values(Backend::kInProcess, Backend::kHostletCni),
                         [](const auto& info) { return BackendName(info.param); });

class BridgeExhaustedRange : public BridgeBadInput {};

// Every backend, the reference included, fails an ADD on an exhausted range the same way: the
// spec has no well-known code for it, and the reference host-local reports its plugin-specific
// 999 with this message; ours says the same, so runtimes and operators see one behaviour.
TEST_P(BridgeExhaustedRange, FailsTheSameWayAsTheReferenceAndLeavesNothing) {
  TestNetwork network("full");
  auto config = network.Config();
  config["ipam"]["ranges"] = {{{{"subnet", network.subnet()},
                                {"rangeStart", network.Address(10)},
                                {"rangeEnd", network.Address(10)}}}};
  TestNetns first("full1");
  TestNetns second("full2");
  CniOutcome admitted = backend_->Run({"ADD", "ctr-first", first.path()}, config);
  ASSERT_TRUE(admitted.ok) << admitted.raw;
  CniOutcome refused = backend_->Run({"ADD", "ctr-second", second.path()}, config);
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.code(), 999) << refused.raw;
  EXPECT_EQ(refused.msg(),
            "failed to allocate for range 0: no IP addresses available in range "
            "set: " +
                network.Address(10) + "-" + network.Address(10));
  EXPECT_EQ(network.Reservations(), std::vector<std::string>{network.Address(10)});
  if (GetParam() != Backend::kReference) {
    // The reference creates the veth pair before it asks host-local for an address and leaves
    // the pair behind when that fails; the module undoes what it made.
    EXPECT_FALSE(second.HasInterface("eth0"));
    EXPECT_EQ(network.BridgePorts().size(), 1u);
  }
  EXPECT_FALSE(network.StoreLocked());
  EXPECT_TRUE(backend_->Run({"DEL", "ctr-first", first.path()}, config).ok);
}

INSTANTIATE_TEST_SUITE_P(Backends, BridgeExhaustedRange,
                         ::testing::Values(Backend::kInProcess, Backend::kHostletCni,
                                           Backend::kReference),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace hostlet::cni_test
