// ipMasq rules carry the network name and container ID, so DEL and GC remove exactly the
// attachment's own, and the reference plugin removes ours (and we theirs); STATUS reports whether
// an ADD could succeed.
#include "tests/cni/cni_backend.h"
#include "tests/cni/test_netns.h"
#include "tests/cni/test_network.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

namespace hostlet::cni_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Nat() { return HostCommand({"iptables-save", "-t", "nat"}); }

// The comment as iptables-save prints it.
std::string Comment(const TestNetwork& network, const std::string& id) {
  return "--comment \"name: \\\"" + network.name() + "\\\" id: \\\"" + id + "\\\"\"";
}

class BridgeMasquerade : public ::testing::Test {
 protected:
  void SetUp() override {
    IsolateHostNetwork();
    config_ = network_.Config("1.1.0");
    config_["ipMasq"] = true;
  }
  TestNetwork network_{"masq"};
  nlohmann::json config_;
};

TEST_F(BridgeMasquerade, RulesNameTheAttachmentAndDelRemovesExactlyThem) {
  auto module = MakeBackend(Backend::kInProcess);
  TestNetns a("masq-a");
  TestNetns b("masq-b");
  ASSERT_TRUE(module->Run({"ADD", "ctr-a", a.path()}, config_).ok);
  ASSERT_TRUE(module->Run({"ADD", "ctr-b", b.path()}, config_).ok);
  std::string rules = Nat();
  EXPECT_THAT(rules, HasSubstr(Comment(network_, "ctr-a") + " -j MASQUERADE"));
  EXPECT_THAT(rules, HasSubstr(Comment(network_, "ctr-b") + " -j MASQUERADE"));

  ASSERT_TRUE(module->Run({"DEL", "ctr-a", a.path()}, config_).ok);
  rules = Nat();
  EXPECT_THAT(rules, Not(HasSubstr(Comment(network_, "ctr-a"))));
  EXPECT_THAT(rules, HasSubstr(Comment(network_, "ctr-b") + " -j MASQUERADE"));
  ASSERT_TRUE(module->Run({"DEL", "ctr-b", b.path()}, config_).ok);
  EXPECT_THAT(Nat(), Not(HasSubstr(network_.name())));
}

TEST_F(BridgeMasquerade, ReferenceAndModuleTearDownEachOthersRules) {
  auto module = MakeBackend(Backend::kInProcess);
  auto reference = MakeBackend(Backend::kReference);
  TestNetns pod("masq-x");
  auto config = config_;
  config["cniVersion"] = "1.0.0";  // what the reference speaks
  ASSERT_TRUE(module->Run({"ADD", "ctr-ours", pod.path()}, config).ok);
  CniOutcome deleted = reference->Run({"DEL", "ctr-ours", pod.path()}, config);
  EXPECT_TRUE(deleted.ok) << deleted.raw;
  EXPECT_THAT(Nat(), Not(HasSubstr(network_.name())));

  CniOutcome added = reference->Run({"ADD", "ctr-theirs", pod.path()}, config);
  ASSERT_TRUE(added.ok) << added.raw;
  EXPECT_THAT(Nat(), HasSubstr(Comment(network_, "ctr-theirs")));
  EXPECT_TRUE(module->Run({"DEL", "ctr-theirs", pod.path()}, config).ok);
  EXPECT_THAT(Nat(), Not(HasSubstr(network_.name())));
}

TEST_F(BridgeMasquerade, GcRemovesTheRulesOfContainersThatAreGone) {
  auto module = MakeBackend(Backend::kInProcess);
  TestNetns kept("gc-kept");
  TestNetns gone("gc-gone");
  ASSERT_TRUE(module->Run({"ADD", "ctr-kept", kept.path()}, config_).ok);
  ASSERT_TRUE(module->Run({"ADD", "ctr-gone", gone.path()}, config_).ok);
  gone.Delete();
  auto gc = config_;
  gc["cni.dev/valid-attachments"] = {{{"containerID", "ctr-kept"}, {"ifname", "eth0"}}};
  CniOutcome collected = module->Run({"GC", "", ""}, gc);
  ASSERT_TRUE(collected.ok) << collected.raw;
  std::string rules = Nat();
  EXPECT_THAT(rules, HasSubstr(Comment(network_, "ctr-kept")));
  EXPECT_THAT(rules, Not(HasSubstr(Comment(network_, "ctr-gone"))));
  EXPECT_TRUE(module->Run({"DEL", "ctr-kept", kept.path()}, config_).ok);
}

class BridgeStatus : public ::testing::Test {
 protected:
  void SetUp() override { IsolateHostNetwork(); }
};

TEST_F(BridgeStatus, IsOkUntilTheRangeIsExhaustedAndAfterAnAddressIsFreed) {
  auto module = MakeBackend(Backend::kInProcess);
  TestNetwork network("status");
  TestNetns pod("status");
  auto config = network.Config("1.1.0");
  config["ipam"]["ranges"] = {{{{"subnet", network.subnet()},
                                {"rangeStart", network.Address(7)},
                                {"rangeEnd", network.Address(7)}}}};
  CniOutcome ready = module->Run({"STATUS", "", ""}, config);
  EXPECT_TRUE(ready.ok) << ready.raw;
  ASSERT_TRUE(module->Run({"ADD", "ctr-s", pod.path()}, config).ok);
  CniOutcome full = module->Run({"STATUS", "", ""}, config);
  EXPECT_FALSE(full.ok);
  EXPECT_EQ(full.code(), 50) << full.raw;
  EXPECT_THAT(full.msg(), HasSubstr("no IP addresses available"));
  ASSERT_TRUE(module->Run({"DEL", "ctr-s", pod.path()}, config).ok);
  EXPECT_TRUE(module->Run({"STATUS", "", ""}, config).ok);
}

TEST_F(BridgeStatus, IsNotAvailableWhenTheStoreCannotBeCreated) {
  auto module = MakeBackend(Backend::kInProcess);
  TestNetwork network("nostore");
  auto config = network.Config("1.1.0");
  // A regular file where the data directory should be.
  std::ofstream(network.data_dir() + "/file") << "x";
  config["ipam"]["dataDir"] = network.data_dir() + "/file";
  CniOutcome status = module->Run({"STATUS", "", ""}, config);
  EXPECT_FALSE(status.ok);
  EXPECT_EQ(status.code(), 50) << status.raw;
}

}  // namespace
}  // namespace hostlet::cni_test
