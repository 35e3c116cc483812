// kubectl 1.32 driving hostlet-server stored in a private three-member etcd cluster: objects
// applied are read back, also after the etcd leader is killed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controlplane/apiserver/tls_material.h"
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

// Production etcd clusters serve clients over TLS and ask for their certificates: hostlet-server
// reaches one with --etcd-cafile, --etcd-certfile and --etcd-keyfile, and kubectl works as on
// any other store.
class EtcdTlsFixture {
 protected:
  EtcdTlsFixture() {
    apiserver::EnsureServingCertificate(certs_.path(), {"127.0.0.1"});
    apiserver::EnsureClientCertificate(certs_.path(), "etcd-client", "hostlet-server");
    files_ = {certs_ / "apiserver.crt", certs_ / "apiserver.key", certs_ / "ca.crt",
              certs_ / "etcd-client.crt", certs_ / "etcd-client.key"};
    etcd_ = std::make_unique<EtcdCluster>(1, files_);
  }

  TempDir certs_;
  EtcdTlsFiles files_;
  std::unique_ptr<EtcdCluster> etcd_;
};

class EtcdTlsServerTest : public EtcdTlsFixture, public ServerTest {
 protected:
  EtcdTlsServerTest() {
    extra_flags_ = {"--storage",       "etcd",
                    "--etcd-servers",  etcd_->ClientUrlList(),
                    "--etcd-cafile",   files_.ca.string(),
                    "--etcd-certfile", files_.client_cert.string(),
                    "--etcd-keyfile",  files_.client_key.string()};
  }
  void TearDown() override { server_.reset(); }
};

TEST_F(EtcdTlsServerTest, KubectlWorksOnAnEtcdThatRequiresClientCertificates) {
  ASSERT_THAT(etcd_->ClientUrlList(), ::testing::StartsWith("https://"));
  auto applied = Kubectl("apply -f " + File("settings.yaml", kConfigMap));
  ASSERT_EQ(applied.exit_code, 0) << applied.output << ReadFile(dir_ / "server.log");
  auto got = Kubectl("get configmap settings -o jsonpath={.data.mode}");
  ASSERT_EQ(got.exit_code, 0) << got.output;
  EXPECT_EQ(got.output, "fast");
  auto patched = Kubectl(R"(patch configmap settings -p '{"data":{"mode":"safe"}}')");
  ASSERT_EQ(patched.exit_code, 0) << patched.output;
  EXPECT_EQ(Kubectl("get configmap settings -o jsonpath={.data.mode}").output, "safe");
}

TEST(EtcdServerFlags, BadStorageFlagsAreRefusedWithAReason) {
  for (const auto& [flags, reason] : std::vector<std::pair<std::string, std::string>>{
           {"--storage mysql", "--storage \"mysql\" is neither sqlite nor etcd"},
           {"--storage etcd", "--storage etcd needs --etcd-servers"},
           {"--etcd-servers http://127.0.0.1:2379", "--etcd-servers needs --storage etcd"},
           {"--etcd-cafile /etc/ssl/ca.pem", "need --storage etcd"},
           {"--storage etcd --etcd-servers http://127.0.0.1:2379 --etcd-cafile /etc/ssl/ca.pem",
            "are for https:// members"},
           {"--storage etcd --etcd-servers https://127.0.0.1:2379 --etcd-certfile /etc/ssl/c.pem",
            "--etcd-certfile and --etcd-keyfile go together"},
           {"--storage etcd --etcd-servers https://127.0.0.1:2379 --etcd-cafile /nonexistent/ca",
            "--etcd-cafile /nonexistent/ca: No such file or directory"},
           {"--storage etcd --etcd-servers http://127.0.0.1:2379 --etcd-prefix registry",
            "--etcd-prefix \"registry\""}}) {
    auto result = RunCommand(std::string(HOSTLET_SERVER_BINARY) + " " + flags);
    EXPECT_EQ(result.exit_code, 2) << flags;
    EXPECT_THAT(result.output, HasSubstr(reason)) << flags;
  }
  auto help = RunCommand(std::string(HOSTLET_SERVER_BINARY) + " --help");
  EXPECT_THAT(help.output, HasSubstr("--etcd-servers"));
  EXPECT_THAT(help.output, HasSubstr("--etcd-certfile"));
}

}  // namespace
}  // namespace hostlet::testing
