// The reference bridge plugin's configuration keys do what they do there: mtu, mac, hairpinMode,
// promiscMode, vlan, forceAddress, ipam routes and requested addresses, IPv6 ranges, layer 2
// only, and the result's shape per cniVersion.
#include "tests/cni/cni_backend.h"
#include "tests/cni/test_netns.h"
#include "tests/cni/test_network.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hostlet::cni_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class BridgeOptions : public ::testing::Test {
 protected:
  void SetUp() override {
    IsolateHostNetwork();
    module_ = MakeBackend(Backend::kInProcess);
  }
  static std::string Link(const TestNetns& pod, const std::string& name) {
    return pod.Exec({"ip", "-d", "link", "show", "dev", name}).out;
  }
  static std::string HostLink(const std::string& name) {
    return HostCommand({"ip", "-d", "link", "show", "dev", name});
  }
  std::unique_ptr<CniBackend> module_;
};

TEST_F(BridgeOptions, MtuAppliesToTheBridgeAndBothVethEnds) {
  TestNetwork network("mtu");
  TestNetns pod("mtu");
  auto config = network.Config();
  config["mtu"] = 1400;
  ScopedAttachment attachment(*module_, config, {"ADD", "ctr-mtu", pod.path()});
  ASSERT_TRUE(attachment.added().ok) << attachment.added().raw;
  EXPECT_THAT(Link(pod, "eth0"), HasSubstr("mtu 1400"));
  EXPECT_THAT(HostLink(attachment.added().json["interfaces"][1]["name"]), HasSubstr("mtu 1400"));
  EXPECT_THAT(HostLink(network.bridge()), HasSubstr("mtu 1400"));
}

TEST_F(BridgeOptions, MacComesFromRuntimeConfigOrCniArgs) {
  TestNetwork network("mac");
  TestNetns first("mac1");
  TestNetns second("mac2");
  auto config = network.Config();
  auto with_runtime_mac = config;
  with_runtime_mac["runtimeConfig"]["mac"] = "02:00:00:aa:bb:01";
  ScopedAttachment a(*module_, with_runtime_mac, {"ADD", "ctr-mac1", first.path()});
  ScopedAttachment b(
      *module_, config,
      {"ADD", "ctr-mac2", second.path(), "eth0", "IgnoreUnknown=1;MAC=02:00:00:aa:bb:02"});
  ASSERT_TRUE(a.added().ok && b.added().ok) << a.added().raw << b.added().raw;
  EXPECT_THAT(Link(first, "eth0"), HasSubstr("link/ether 02:00:00:aa:bb:01"));
  EXPECT_EQ(a.added().json["interfaces"][2]["mac"], "02:00:00:aa:bb:01");
  EXPECT_THAT(Link(second, "eth0"), HasSubstr("link/ether 02:00:00:aa:bb:02"));
}

TEST_F(BridgeOptions, HairpinModeIsSetOnTheBridgePortOnlyWhenAsked) {
  TestNetwork network("hairpin");
  TestNetns on("hp-on");
  TestNetns off("hp-off");
  auto config = network.Config();
  ScopedAttachment plain(*module_, config, {"ADD", "ctr-plain", off.path()});
  config["hairpinMode"] = true;
  ScopedAttachment hairpin(*module_, config, {"ADD", "ctr-hairpin", on.path()});
  ASSERT_TRUE(plain.added().ok && hairpin.added().ok);
  EXPECT_THAT(HostLink(hairpin.added().json["interfaces"][1]["name"]), HasSubstr("hairpin on"));
  EXPECT_THAT(HostLink(plain.added().json["interfaces"][1]["name"]), HasSubstr("hairpin off"));
}

TEST_F(BridgeOptions, PromiscModeMakesTheBridgePromiscuous) {
  TestNetwork network("promisc");
  TestNetns pod("promisc");
  auto config = network.Config();
  config["promiscMode"] = true;
  ScopedAttachment attachment(*module_, config, {"ADD", "ctr-promisc", pod.path()});
  ASSERT_TRUE(attachment.added().ok) << attachment.added().raw;
  EXPECT_THAT(HostCommand({"ip", "link", "show", "dev", network.bridge()}), HasSubstr("PROMISC"));
}

// Whether this kernel's bridges filter by VLAN (a build option), which "vlan" needs.
bool KernelFiltersBridgeVlans() {
  const std::string probe = UniqueName("hvlan", 15);
  bool supported =
      Run({"ip", "link", "add", probe, "type", "bridge", "vlan_filtering", "1"}).exit_code == 0;
  Run({"ip", "link", "del", probe});
  return supported;
}

// Either outcome is behaviour a user depends on: pods of different VLANs on one bridge cannot
// reach each other, or, on a kernel that cannot filter VLANs, the ADD says so and changes nothing.
TEST_F(BridgeOptions, VlanSeparatesPodsOnOneBridgeOrIsRefusedClearly) {
  TestNetwork network("vlan");
  TestNetns a("v100a");
  TestNetns b("v100b");
  TestNetns c("v200");
  auto vlan100 = network.Config();
  vlan100["vlan"] = 100;
  auto vlan200 = network.Config();  // the same store, so addresses stay distinct
  vlan200["vlan"] = 200;
  vlan200["isGateway"] = false;

  if (!KernelFiltersBridgeVlans()) {
    CniOutcome refused = module_->Run({"ADD", "ctr-a", a.path()}, vlan100);
    EXPECT_FALSE(refused.ok);
    EXPECT_THAT(refused.msg(), HasSubstr("VLAN filtering"));
    EXPECT_FALSE(a.HasInterface("eth0"));
    EXPECT_TRUE(network.Reservations().empty());
    EXPECT_NE(cni_test::Run({"ip", "link", "show", "dev", network.bridge()}).exit_code, 0)
        << "a bridge was left behind";
    return;
  }
  ScopedAttachment pod_a(*module_, vlan100, {"ADD", "ctr-a", a.path()});
  ScopedAttachment pod_b(*module_, vlan100, {"ADD", "ctr-b", b.path()});
  ScopedAttachment pod_c(*module_, vlan200, {"ADD", "ctr-c", c.path()});
  ASSERT_TRUE(pod_a.added().ok && pod_b.added().ok && pod_c.added().ok) << pod_c.added().raw;

  std::string port = pod_a.added().json["interfaces"][1]["name"];
  std::string vlans = HostCommand({"bridge", "vlan", "show", "dev", port});
  EXPECT_THAT(vlans, HasSubstr("100 PVID Egress Untagged"));
  EXPECT_TRUE(a.Ping(pod_b.address()));
  EXPECT_TRUE(a.Ping(network.gateway()));
  EXPECT_FALSE(a.Ping(pod_c.address())) << "VLAN 100 reached VLAN 200";
  EXPECT_FALSE(c.Ping(network.gateway())) << "VLAN 200 reached the gateway of VLAN 100";
}

TEST_F(BridgeOptions, ForceAddressReplacesAnotherAddressOfTheBridge) {
  TestNetwork network("force");
  TestNetns pod("force");
  HostCommand({"ip", "link", "add", network.bridge(), "type", "bridge"});
  HostCommand({"ip", "addr", "add", "10.124.9.1/24", "dev", network.bridge()});
  auto config = network.Config();
  config["forceAddress"] = true;
  ScopedAttachment attachment(*module_, config, {"ADD", "ctr-force", pod.path()});
  ASSERT_TRUE(attachment.added().ok) << attachment.added().raw;
  std::string addresses = HostCommand({"ip", "-4", "addr", "show", "dev", network.bridge()});
  EXPECT_THAT(addresses, HasSubstr(network.gateway() + "/24"));
  EXPECT_THAT(addresses, Not(HasSubstr("10.124.9.1")));
  EXPECT_TRUE(pod.Ping(network.gateway()));
}

TEST_F(BridgeOptions, IpamRoutesAreInstalledAndReported) {
  TestNetwork network("routes");
  TestNetns pod("routes");
  auto config = network.Config();
  config["ipam"]["routes"] = {{{"dst", "10.200.0.0/16"}},
                              {{"dst", "10.201.0.0/16"}, {"gw", network.Address(254)}}};
  ScopedAttachment attachment(*module_, config, {"ADD", "ctr-routes", pod.path()});
  ASSERT_TRUE(attachment.added().ok) << attachment.added().raw;
  std::string routes = pod.Exec({"ip", "-4", "route"}).out;
  EXPECT_THAT(routes, HasSubstr("10.200.0.0/16 via " + network.gateway() + " dev eth0"));
  EXPECT_THAT(routes, HasSubstr("10.201.0.0/16 via " + network.Address(254) + " dev eth0"));
  EXPECT_EQ(attachment.added().json["routes"],
            nlohmann::json::parse(R"([{"dst":"10.200.0.0/16"},{"dst":"10.201.0.0/16","gw":")" +
                                  network.Address(254) + "\"}]"));
}

TEST_F(BridgeOptions, ARequestedAddressIsHonouredAndATakenOneRefused) {
  TestNetwork network("request");
  TestNetns first("req1");
  TestNetns second("req2");
  const std::string wanted = network.Address(50);
  ScopedAttachment a(*module_, network.Config(),
                     {"ADD", "ctr-r1", first.path(), "eth0", "IP=" + wanted});
  ASSERT_TRUE(a.added().ok) << a.added().raw;
  EXPECT_EQ(a.address(), wanted);
  CniOutcome taken =
      module_->Run({"ADD", "ctr-r2", second.path(), "eth0", "IP=" + wanted}, network.Config());
  EXPECT_FALSE(taken.ok);
  EXPECT_THAT(taken.msg(), HasSubstr("requested IP address " + wanted + " is not available"));
  EXPECT_FALSE(second.HasInterface("eth0"));
}

TEST_F(BridgeOptions, WithoutIpamThePodGetsALinkAndNoAddress) {
  TestNetwork network("l2");
  TestNetns pod("l2");
  auto config = network.Config();
  config.erase("ipam");
  config["isGateway"] = false;
  ScopedAttachment attachment(*module_, config, {"ADD", "ctr-l2", pod.path()});
  ASSERT_TRUE(attachment.added().ok) << attachment.added().raw;
  EXPECT_TRUE(attachment.added().json["ips"].empty());
  EXPECT_THAT(Link(pod, "eth0"), HasSubstr("state UP"));
  EXPECT_THAT(pod.Exec({"ip", "-4", "addr", "show", "dev", "eth0"}).out, Not(HasSubstr("inet ")));
}

TEST_F(BridgeOptions, DualStackRangesGiveOneAddressPerFamily) {
  TestNetwork network("dual");
  TestNetns a("dual-a");
  TestNetns b("dual-b");
  auto config = network.Config();
  config["isDefaultGateway"] = true;
  config["ipam"]["ranges"].push_back({{{"subnet", "fd00:123:7::/64"}}});
  ScopedAttachment pod_a(*module_, config, {"ADD", "ctr-6a", a.path()});
  ScopedAttachment pod_b(*module_, config, {"ADD", "ctr-6b", b.path()});
  ASSERT_TRUE(pod_a.added().ok && pod_b.added().ok) << pod_a.added().raw;
  const auto& ips = pod_b.added().json["ips"];
  ASSERT_EQ(ips.size(), 2u) << ips;
  EXPECT_EQ(ips[1]["address"], "fd00:123:7::3/64");
  EXPECT_EQ(ips[1]["gateway"], "fd00:123:7::1");
  EXPECT_THAT(pod_b.added().json["routes"].dump(),
              HasSubstr(R"({"dst":"::/0","gw":"fd00:123:7::1"})"));
  EXPECT_TRUE(a.Ping("fd00:123:7::3"));
  EXPECT_TRUE(a.Ping("fd00:123:7::1"));
}

TEST_F(BridgeOptions, TheResultFollowsTheConfiguredCniVersion) {
  TestNetwork network("versions");
  for (const std::string version : {"0.4.0", "1.0.0", "1.1.0"}) {
    SCOPED_TRACE(version);
    TestNetns pod("ver");
    ScopedAttachment attachment(*module_, network.Config(version), {"ADD", "ctr-ver", pod.path()});
    ASSERT_TRUE(attachment.added().ok) << attachment.added().raw;
    const auto& result = attachment.added().json;
    EXPECT_EQ(result["cniVersion"], version);
    // 0.4.0 results say which family each address is; 1.x dropped the field.
    EXPECT_EQ(result["ips"][0].contains("version"), version == "0.4.0");
  }
}

}  // namespace
}  // namespace hostlet::cni_test
