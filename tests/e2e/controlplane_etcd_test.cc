// kubectl 1.32 driving hostlet-server stored in a private three-member etcd cluster: objects
// applied are read back, also after the etcd leader is killed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/etcd_cluster.h"
#include "tests/support/hostlet_server.h"

namespace hostlet::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kConfigMap = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
)";

class EtcdServerTest : public ServerTest {
 protected:
  EtcdServerTest() {
    extra_flags_ = {"--storage",     "etcd", "--etcd-servers", etcd_->ClientUrlList(),
                    "--etcd-prefix", "/e2e"};
  }
  // The server goes first, so it never sees its whole cluster vanish.
  void TearDown() override { server_.reset(); }

  std::unique_ptr<EtcdCluster> etcd_ = std::make_unique<EtcdCluster>(3);
};

TEST_F(EtcdServerTest, ApplyThenGetSurvivesLosingTheEtcdLeader) {
  auto applied = Kubectl("apply -f " + File("settings.yaml", kConfigMap));
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_THAT(applied.output, HasSubstr("configmap/settings created"));
  auto got = Kubectl("get configmap settings -o jsonpath={.data.mode}");
  ASSERT_EQ(got.exit_code, 0) << got.output;
  EXPECT_EQ(got.output, "fast");

  int leader = etcd_->Leader();
  ASSERT_GE(leader, 0);
  etcd_->Kill(leader);
  auto patched = Kubectl(R"(patch configmap settings -p '{"data":{"mode":"safe"}}')");
  ASSERT_EQ(patched.exit_code, 0) << patched.output << ReadFile(dir_ / "server.log");
  got = Kubectl("get configmap settings -o jsonpath={.data.mode}");
  ASSERT_EQ(got.exit_code, 0) << got.output;
  EXPECT_EQ(got.output, "safe");
}

TEST(EtcdServerFlags, BadStorageFlagsAreRefusedWithAReason) {
  for (const auto& [flags, reason] : std::vector<std::pair<std::string, std::string>>{
           {"--storage mysql", "--storage \"mysql\" is neither sqlite nor etcd"},
           {"--storage etcd", "--storage etcd needs --etcd-servers"},
           {"--etcd-servers http://127.0.0.1:2379", "--etcd-servers needs --storage etcd"},
           {"--storage etcd --etcd-servers https://127.0.0.1:2379", "TLS to etcd"},
           {"--storage etcd --etcd-servers http://127.0.0.1:2379 --etcd-prefix registry",
            "--etcd-prefix \"registry\""}}) {
    auto result = RunCommand(std::string(HOSTLET_SERVER_BINARY) + " " + flags);
    EXPECT_EQ(result.exit_code, 2) << flags;
    EXPECT_THAT(result.output, HasSubstr(reason)) << flags;
  }
  auto help = RunCommand(std::string(HOSTLET_SERVER_BINARY) + " --help");
  EXPECT_THAT(help.output, HasSubstr("--etcd-servers"));
}

}  // namespace
}  // namespace hostlet::testing
