// Two pods on one bridge network reach each other and the gateway: one test body, run against the
// bridge module in process, the same module as a CNI binary through hostlet-cni, and the
// reference bridge + host-local plugins.
#include "tests/cni/cni_backend.h"
#include "tests/cni/test_netns.h"
#include "tests/cni/test_network.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hostlet::cni_test {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class BridgeTwoPods : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    IsolateHostNetwork();
    backend_ = MakeBackend(GetParam());
  }
  std::unique_ptr<CniBackend> backend_;
};

TEST_P(BridgeTwoPods, ReachEachOtherAndTheGatewayAndLeaveNothingAfterDel) {
  TestNetwork network("pods");
  TestNetns pod_a("a");
  TestNetns pod_b("b");
  const auto config = network.Config("1.0.0");
  {
    ScopedAttachment a(*backend_, config, {"ADD", "ctr-a", pod_a.path()});
    ScopedAttachment b(*backend_, config, {"ADD", "ctr-b", pod_b.path()});
    ASSERT_TRUE(a.added().ok) << a.added().raw;
    ASSERT_TRUE(b.added().ok) << b.added().raw;

    // The result as the spec shapes it: bridge, host veth, container interface in its sandbox,
    // and an address on that interface with the gateway.
    const auto& result = a.added().json;
    EXPECT_EQ(result["cniVersion"], "1.0.0");
    ASSERT_EQ(result["interfaces"].size(), 3u) << result;
    EXPECT_EQ(result["interfaces"][0]["name"], network.bridge());
    EXPECT_FALSE(result["interfaces"][0].contains("sandbox"));
    EXPECT_EQ(result["interfaces"][2]["name"], "eth0");
    EXPECT_EQ(result["interfaces"][2]["sandbox"], pod_a.path());
    EXPECT_EQ(result["ips"][0]["interface"], 2);
    EXPECT_EQ(result["ips"][0]["gateway"], network.gateway());
    EXPECT_TRUE(network.Contains(result["ips"][0]["address"])) << result["ips"][0];
    EXPECT_NE(a.address(), b.address());
    EXPECT_THAT(network.Reservations(), UnorderedElementsAre(a.address(), b.address()));
    const std::string host_veth = result["interfaces"][1]["name"];
    EXPECT_THAT(network.BridgePorts(), ::testing::Contains(host_veth));

    EXPECT_TRUE(pod_a.Ping(b.address())) << "pod a cannot reach pod b at " << b.address();
    EXPECT_TRUE(pod_b.Ping(a.address())) << "pod b cannot reach pod a at " << a.address();
    EXPECT_TRUE(pod_a.Ping(network.gateway())) << "pod a cannot reach the gateway";
    EXPECT_TRUE(pod_b.Ping(network.gateway())) << "pod b cannot reach the gateway";
  }
  // The ScopedAttachments ran DEL: interfaces, veths and reservations are gone.
  EXPECT_FALSE(pod_a.HasInterface("eth0"));
  EXPECT_FALSE(pod_b.HasInterface("eth0"));
  EXPECT_THAT(network.BridgePorts(), IsEmpty());
  EXPECT_THAT(network.Reservations(), IsEmpty());
}

TEST_P(BridgeTwoPods, DefaultGatewayRouteIsInstalledInThePod) {
  TestNetwork network("route");
  TestNetns pod("r");
  auto config = network.Config("1.0.0");
  config["isDefaultGateway"] = true;
  ScopedAttachment a(*backend_, config, {"ADD", "ctr-route", pod.path()});
  ASSERT_TRUE(a.added().ok) << a.added().raw;
  EXPECT_EQ(a.added().json["routes"],
            nlohmann::json::parse(R"([{"dst":"0.0.0.0/0","gw":")" + network.gateway() + "\"}]"));
  ProcessResult routes = pod.Exec({"ip", "-4", "route", "show", "default"});
  EXPECT_THAT(routes.out, ::testing::HasSubstr("default via " + network.gateway() + " dev eth0"));
  // The default route reaches the host's side of the bridge.
  EXPECT_TRUE(pod.Ping(network.gateway()));
}

INSTANTIATE_TEST_SUITE_P(Backends, BridgeTwoPods,
                         ::testing::Values(Backend::kInProcess, Backend::kHostletCni,
                                           Backend::kReference),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace hostlet::cni_test
