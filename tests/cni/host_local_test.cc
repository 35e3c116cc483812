// The in-process host-local IPAM: the reference's store layout byte for byte, shared with the
// reference host-local binary in both directions, its allocation order, and its errors.
#include "plugins/cni/bridge/host_local/host_local.h"
#include "tests/cni/process.h"
#include "tests/support/fixtures.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace hostlet::cni_test {
namespace {

using bridge::IpAddress;
using bridge::host_local::HostLocal;
using bridge::host_local::ParseIpamConfig;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class HostLocalIpam : public ::testing::Test {
 protected:
  nlohmann::json Config(const nlohmann::json& ranges) const {
    return {
        {"cniVersion", "1.0.0"},
        {"name", "net"},
        {"type", "bridge"},
        {"ipam", {{"type", "host-local"}, {"dataDir", data_.path().string()}, {"ranges", ranges}}}};
  }
  nlohmann::json Subnet(const std::string& subnet) const {
    return nlohmann::json::array({nlohmann::json::array({{{"subnet", subnet}}})});
  }
  HostLocal Ipam(const nlohmann::json& config) const {
    return HostLocal(ParseIpamConfig(config, ""));
  }
  std::string Dir() const { return data_.path().string() + "/net"; }
  std::vector<std::string> Files() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(Dir())) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }
  // The reference host-local binary, run directly as a bridge plugin would run it.
  ProcessResult Reference(const std::string& command, const std::string& id,
                          const nlohmann::json& config) const {
    return RunProcess(
        {HOSTLET_REFERENCE_CNI_DIR "/host-local"},
        {"CNI_COMMAND=" + command, "CNI_CONTAINERID=" + id, "CNI_NETNS=/var/run/netns/unused",
         "CNI_IFNAME=eth0", "CNI_PATH=" HOSTLET_REFERENCE_CNI_DIR},
        config.dump());
  }

  testing::TempDir data_;
};

TEST_F(HostLocalIpam, WritesTheReferenceStoreLayout) {
  auto ipam = Ipam(Config(Subnet("10.125.0.0/24")));
  auto result = ipam.Allocate({"ctr-1", "eth0"});
  ASSERT_EQ(result.ips.size(), 1u);
  EXPECT_EQ(result.ips[0].address.ToString(), "10.125.0.2/24");
  EXPECT_EQ(result.ips[0].gateway->ToString(), "10.125.0.1");
  EXPECT_THAT(Files(), UnorderedElementsAre("10.125.0.2", "last_reserved_ip.0", "lock"));
  EXPECT_EQ(Slurp(Dir() + "/10.125.0.2"), "ctr-1\r\neth0");
  EXPECT_EQ(Slurp(Dir() + "/last_reserved_ip.0"), "10.125.0.2");
}

TEST_F(HostLocalIpam, SharesTheStoreWithTheReferenceBinaryBothWays) {
  const auto config = Config(Subnet("10.125.1.0/24"));
  ProcessResult theirs = Reference("ADD", "ref-1", config);
  ASSERT_EQ(theirs.exit_code, 0) << theirs.out << theirs.err;
  EXPECT_THAT(theirs.out, HasSubstr("10.125.1.2/24"));

  // We continue after the reference's last reservation and respect its file.
  auto ipam = Ipam(config);
  auto ours = ipam.Allocate({"ours-1", "eth0"});
  EXPECT_EQ(ours.ips[0].address.ToString(), "10.125.1.3/24");
  // And the reference continues after ours.
  ProcessResult next = Reference("ADD", "ref-2", config);
  EXPECT_THAT(next.out, HasSubstr("10.125.1.4/24"));

  // Each releases the other's reservation.
  ASSERT_EQ(Reference("DEL", "ours-1", config).exit_code, 0);
  EXPECT_THAT(ipam.Release({"ref-1", "eth0"}),
              ::testing::ElementsAre(*IpAddress::Parse("10.125.1.2")));
  EXPECT_THAT(Files(), UnorderedElementsAre("10.125.1.4", "last_reserved_ip.0", "lock"));
}

TEST_F(HostLocalIpam, GoesRoundRobinSkippingTheGateway) {
  auto config = Config({{{{"subnet", "10.125.2.0/24"},
                          {"rangeStart", "10.125.2.1"},
                          {"rangeEnd", "10.125.2.3"},
                          {"gateway", "10.125.2.2"}}}});
  auto ipam = Ipam(config);
  EXPECT_EQ(ipam.Allocate({"a", "eth0"}).ips[0].address.ToString(), "10.125.2.1/24");
  EXPECT_EQ(ipam.Allocate({"b", "eth0"}).ips[0].address.ToString(), "10.125.2.3/24");
  try {
    ipam.Allocate({"c", "eth0"});
    FAIL() << "the range has two addresses besides the gateway";
  } catch (const CniError& error) {
    EXPECT_STREQ(error.what(),
                 "failed to allocate for range 0: no IP addresses available in "
                 "range set: 10.125.2.1-10.125.2.3");
  }
  ipam.Release({"a", "eth0"});
  // After .3 the search wraps round to the start.
  EXPECT_EQ(ipam.Allocate({"c", "eth0"}).ips[0].address.ToString(), "10.125.2.1/24");
}

TEST_F(HostLocalIpam, ADuplicateAddFailsAndKeepsTheFirstAllocation) {
  auto ipam = Ipam(Config(Subnet("10.125.3.0/24")));
  ipam.Allocate({"dup", "eth0"});
  EXPECT_THROW(ipam.Allocate({"dup", "eth0"}), CniError);
  EXPECT_THAT(Files(), UnorderedElementsAre("10.125.3.2", "last_reserved_ip.0", "lock"));
}

TEST_F(HostLocalIpam, ReleasesFilesWrittenBeforeInterfaceNamesWereRecorded) {
  auto ipam = Ipam(Config(Subnet("10.125.4.0/24")));
  std::filesystem::create_directories(Dir());
  std::ofstream(Dir() + "/10.125.4.9") << "legacy\n";
  EXPECT_THAT(ipam.Release({"legacy", "eth0"}),
              ::testing::ElementsAre(*IpAddress::Parse("10.125.4.9")));
}

TEST_F(HostLocalIpam, AllocatesIpv6) {
  auto ipam = Ipam(Config(Subnet("fd00:125::/120")));
  auto result = ipam.Allocate({"six", "eth0"});
  EXPECT_EQ(result.ips[0].address.ToString(), "fd00:125::2/120");
  EXPECT_EQ(result.ips[0].gateway->ToString(), "fd00:125::1");
}

TEST_F(HostLocalIpam, RefusesInvalidRangesWithTheReferenceWording) {
  auto refused = [&](const nlohmann::json& config) {
    try {
      ParseIpamConfig(config, "");
    } catch (const CniError& error) {
      EXPECT_EQ(error.code(), kCniInvalidConfig);
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(refused(Config(nlohmann::json::array())), "no IP ranges specified");
  EXPECT_THAT(refused(Config({{{{"subnet", "10.125.5.0/24"}}}, {{{"subnet", "10.125.5.0/25"}}}})),
              HasSubstr("range set 0 overlaps with 1"));
  EXPECT_THAT(refused(Config({{{{"subnet", "10.125.6.0/24"}, {"gateway", "10.9.9.9"}}}})),
              HasSubstr("not in network 10.125.6.0/24"));
  EXPECT_THAT(refused(Config(Subnet("10.125.7.0/31"))), HasSubstr("too small to allocate from"));
  EXPECT_THAT(refused(Config(Subnet("10.125.8.0"))), HasSubstr("invalid subnet"));
}

}  // namespace
}  // namespace hostlet::cni_test
