// The manager with Debian's reference plugins in fresh network namespaces: bridge with
// host-local IPAM, chained with tuning (which also takes the "mac" capability), checked with
// ip(8) inside the namespace. Namespaces, bridges and files go when a test ends, passed or not.
#include "tests/network/manager_fixture.h"

namespace hostlet::network {
namespace {

using nlohmann::json;
using testing::ErrorOf;
using ::testing::HasSubstr;
using testing::HostLink;
using testing::ManagerTest;
using testing::NetNs;
using testing::Subnet;

class NetworkReferencePlugins : public ManagerTest {
 protected:
  void SetUp() override {
    ManagerTest::SetUp();
    bin_dirs = {testing::kReferencePlugins, bin};
    UseModule("echo-net", HOSTLET_ECHO_NET);
    for (const char* plugin : {"bridge", "host-local", "tuning"}) {
      ASSERT_TRUE(std::filesystem::exists(testing::kReferencePlugins / plugin))
          << "the reference CNI plugins (Debian's containernetworking-plugins) are needed";
    }
  }

  json BridgePlugin(const HostLink& bridge, const Subnet& subnet) const {
    return {{"type", "bridge"},
            {"bridge", bridge.name()},
            {"isGateway", true},
            {"ipMasq", false},
            {"ipam",
             {{"type", "host-local"},
              {"ranges", {{{{"subnet", subnet.cidr()}}}}},
              {"dataDir", ipam.string()}}}};
  }
  // Its backup of the interface's settings goes to the test's directory too.
  json Tuning() const {
    return {{"type", "tuning"}, {"capabilities", {{"mac", true}}}, {"dataDir", tuning.string()}};
  }

  void UseChain(std::vector<json> plugins, const std::string& version = "1.0.0") {
    WriteConfig("10-bridge.conflist",
                {{"cniVersion", version}, {"name", "hltnet"}, {"plugins", plugins}});
  }

  // Whether host-local holds `address` for the network.
  bool Allocated(const std::string& address) const {
    return std::filesystem::exists(ipam / "hltnet" / address);
  }

  static std::string AddressOf(const json& result) {
    std::string cidr = result["ips"][0]["address"];
    return cidr.substr(0, cidr.find('/'));
  }

  const std::filesystem::path ipam = root.path() / "ipam";
  const std::filesystem::path tuning = root.path() / "tuning";
};

TEST_F(NetworkReferencePlugins, AddCheckDelInAFreshNamespace) {
  NetNs ns;
  HostLink bridge;
  Subnet subnet;
  UseChain({BridgePlugin(bridge, subnet), Tuning()});
  auto manager = Manager();
  Attachment pod = Pod("c1", ns.path());
  pod.capability_args = {{"mac", "02:00:0a:c7:00:42"}};

  json result = manager->Add(pod);
  const std::string address = AddressOf(result);
  EXPECT_THAT(address, ::testing::StartsWith(subnet.prefix()));
  EXPECT_EQ(result["ips"][0]["gateway"], subnet.address(1));
  EXPECT_THAT(ns.Exec("ip -4 addr show dev eth0").output, HasSubstr("inet " + address + "/24"));
  // tuning, second in the chain, set the MAC it was given as a capability.
  EXPECT_THAT(ns.Exec("ip link show dev eth0").output, HasSubstr("02:00:0a:c7:00:42"));
  EXPECT_TRUE(bridge.Exists());
  EXPECT_TRUE(Allocated(address));
  // Traffic flows, within the bridge the test made.
  EXPECT_EQ(ns.Exec("/bin/busybox ping -c 1 -W 5 " + subnet.address(1)).status, 0);

  manager->Check(pod);

  manager->Del(pod);
  EXPECT_NE(ns.Exec("ip link show dev eth0").status, 0) << "eth0 is still there";
  EXPECT_FALSE(Allocated(address));
  EXPECT_FALSE(manager->cache().Load("hltnet", "c1", "eth0"));
}

TEST_F(NetworkReferencePlugins, CheckFailsWhenTheInterfaceIsGone) {
  NetNs ns;
  HostLink bridge;
  Subnet subnet;
  UseChain({BridgePlugin(bridge, subnet)});
  auto manager = Manager();
  manager->Add(Pod("c1", ns.path()));
  ASSERT_EQ(ns.Exec("ip link del eth0").status, 0);
  Error error = ErrorOf([&] { manager->Check(Pod("c1", ns.path())); });
  EXPECT_THAT(error.what(), HasSubstr("bridge (/usr/lib/cni/bridge) failed (CHECK)"));
  manager->Del(Pod("c1", ns.path()));
}

TEST_F(NetworkReferencePlugins, CacheSurvivesARestart) {
  NetNs ns;
  HostLink bridge;
  Subnet subnet;
  UseChain({BridgePlugin(bridge, subnet), Tuning()});
  const std::string address = AddressOf(Manager()->Add(Pod("c1", ns.path())));

  auto restarted = Manager();
  restarted->Check(Pod("c1", ns.path()));
  restarted->Del(Pod("c1", ns.path()));
  EXPECT_NE(ns.Exec("ip link show dev eth0").status, 0);
  EXPECT_FALSE(Allocated(address));
}

TEST_F(NetworkReferencePlugins, DelAfterTheNamespaceIsGoneReleasesTheAddress) {
  HostLink bridge;
  Subnet subnet;
  UseChain({BridgePlugin(bridge, subnet)});
  auto manager = Manager();
  std::string address;
  std::string path;
  {
    NetNs ns;
    path = ns.path();
    address = AddressOf(manager->Add(Pod("c1", path)));
  }
  manager->Del(Pod("c1", path));
  EXPECT_FALSE(Allocated(address));
}

TEST_F(NetworkReferencePlugins, NewConfigurationGovernsNewAddsOnly) {
  NetNs first_ns, second_ns, third_ns;
  HostLink first_bridge, second_bridge;
  Subnet first_subnet, second_subnet;
  auto manager = Manager();
  UseChain({BridgePlugin(first_bridge, first_subnet), Tuning()});
  const std::string first = AddressOf(manager->Add(Pod("c1", first_ns.path())));

  // Another subnet on another bridge.
  UseChain({BridgePlugin(second_bridge, second_subnet), Tuning()});
  const std::string second = AddressOf(manager->Add(Pod("c2", second_ns.path())));
  EXPECT_THAT(first, ::testing::StartsWith(first_subnet.prefix()));
  EXPECT_THAT(second, ::testing::StartsWith(second_subnet.prefix()));
  EXPECT_THAT(second_ns.Exec("ip -4 addr show dev eth0").output,
              HasSubstr("inet " + second + "/24"));

  // c1 goes with its own configuration: its address in the first subnet is released.
  manager->Del(Pod("c1", first_ns.path()));
  EXPECT_FALSE(Allocated(first));
  EXPECT_NE(first_ns.Exec("ip link show dev eth0").status, 0);
  EXPECT_TRUE(Allocated(second));

  // Another type altogether: new ADDs get the module, c2 still goes through the bridge.
  UseChain({EchoNet("swapped")});
  json third = manager->Add(Pod("c3", third_ns.path()));
  EXPECT_EQ(third["dns"]["search"], json({"swapped"}));
  manager->Del(Pod("c2", second_ns.path()));
  EXPECT_FALSE(Allocated(second));
  EXPECT_NE(second_ns.Exec("ip link show dev eth0").status, 0);
  EXPECT_TRUE(Records("DEL").empty());  // the module was not asked about c2
  manager->Del(Pod("c3", third_ns.path()));
  EXPECT_EQ(Records("DEL").size(), 1u);
}

TEST_F(NetworkReferencePlugins, UnsupportedVersionIsRefusedWithCode1) {
  NetNs ns;
  HostLink bridge;
  Subnet subnet;
  // Debian's plugins (1.1.x) speak CNI up to 1.0.0.
  UseChain({BridgePlugin(bridge, subnet)}, "1.1.0");
  Error error = ErrorOf([&] { Manager()->Add(Pod("c1", ns.path())); });
  EXPECT_EQ(error.code(), kCniIncompatibleVersion);
  EXPECT_THAT(error.what(), HasSubstr("plugin bridge (/usr/lib/cni/bridge) does not support CNI "
                                      "version 1.1.0"));
  EXPECT_NE(ns.Exec("ip link show dev eth0").status, 0);
  EXPECT_FALSE(bridge.Exists());
}

TEST_F(NetworkReferencePlugins, FailedAddLeavesNothingBehind) {
  NetNs ns;
  HostLink bridge;
  Subnet subnet;
  testing::WriteScript(bin, "refuser",
                       "if [ \"$CNI_COMMAND\" = VERSION ]; then\n"
                       "  echo '{\"cniVersion\":\"1.0.0\",\"supportedVersions\":[\"1.0.0\"]}'\n"
                       "  exit 0\nfi\n"
                       "if [ \"$CNI_COMMAND\" = ADD ]; then\n"
                       "  echo '{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":\"refused\"}'\n"
                       "  exit 1\nfi\n");
  UseChain({BridgePlugin(bridge, subnet), {{"type", "refuser"}}});
  auto manager = Manager();
  Error error = ErrorOf([&] { manager->Add(Pod("c1", ns.path())); });
  EXPECT_EQ(error.code(), kCniInvalidConfig);
  EXPECT_THAT(error.what(), HasSubstr("refuser"));
  EXPECT_THAT(error.what(), HasSubstr("refused"));
  EXPECT_NE(ns.Exec("ip link show dev eth0").status, 0) << "eth0 was left in the namespace";
  for (int host = 2; host < 10; ++host) EXPECT_FALSE(Allocated(subnet.address(host)));
  EXPECT_FALSE(manager->cache().Load("hltnet", "c1", "eth0"));
}

TEST_F(NetworkReferencePlugins, BinaryResultReachesAModuleAsPrevResult) {
  NetNs ns;
  HostLink bridge;
  Subnet subnet;
  UseChain({BridgePlugin(bridge, subnet), EchoNet("after-bridge")});
  auto manager = Manager();
  json result = manager->Add(Pod("c1", ns.path()));
  const std::string address = AddressOf(result);
  EXPECT_EQ(result["dns"]["search"], json({"after-bridge"}));
  auto adds = Records("ADD");
  ASSERT_EQ(adds.size(), 1u);
  EXPECT_EQ(adds[0]["config"]["prevResult"]["ips"][0]["address"], address + "/24");
  EXPECT_EQ(adds[0]["config"]["prevResult"]["cniVersion"], "1.0.0");
  manager->Del(Pod("c1", ns.path()));
  EXPECT_FALSE(Allocated(address));
}

}  // namespace
}  // namespace hostlet::network
