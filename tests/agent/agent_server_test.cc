// The agent's HTTPS server as its clients meet it: health for anyone, everything else only for
// holders of a certificate from the cluster CA, its own certificate made once and kept, and
// hostlet-server's node client getting through.
#include "kubelet/server/agent_server.h"
#include "controlplane/apiserver/node_client.h"
#include "controlplane/apiserver/tls_material.h"
#include "tests/support/fixtures.h"
#include "tests/support/run_command.h"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>

namespace hostlet::server {
namespace {

using testing::RunCommand;

using nlohmann::json;

class AgentServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The cluster CA with a client certificate it signed, and a stranger's CA with another.
    auto serving = apiserver::EnsureServingCertificate(dir_.path() / "ca", {"127.0.0.1"});
    ca_pem_ = serving.ca_pem;
    client_ = apiserver::EnsureClientCertificate(dir_.path() / "ca", "client", "tester");
    apiserver::EnsureClientCertificate(dir_.path() / "other", "client", "stranger");
    options_.port = 0;
    options_.pki_dir = dir_.path() / "pki";
    options_.node_name = "node-a";
    options_.client_ca_pem = ca_pem_;
    options_.metrics = [] { return std::string("# HELP up Up.\n# TYPE up gauge\nup 1\n"); };
    view_.pods = [] {
      return std::vector<json>{
          {{"metadata", {{"name", "web"}, {"namespace", "default"}, {"uid", "u1"}}}}};
    };
  }

  // curl's exit code and what it printed: the HTTP status on the last line.
  testing::CommandResult Curl(const AgentServer& server, const std::string& path, const std::string& identity = "",
           const std::string& trust = "-k") {
    std::string command = "curl -sS " + trust + " -w '\\n%{http_code}' ";
    if (!identity.empty()) {
      command += "--cert " + dir_ / (identity + "/client.crt") + " --key " +
                 dir_ / (identity + "/client.key") + " ";
    }
    return RunCommand(command +
                    "https://127.0.0.1:" + std::to_string(server.local_endpoint().port()) + path);
  }

  testing::TempDir dir_;
  std::string ca_pem_;
  apiserver::ClientCertificate client_;
  ServerOptions options_;
  NodeView view_;
};

TEST_F(AgentServerTest, HealthNeedsNoCertificateButEverythingElseDoes) {
  AgentServer server(options_, view_);
  auto health = Curl(server, "/healthz");
  EXPECT_EQ(health.output, "ok\n200");
  auto pods = Curl(server, "/pods");
  EXPECT_TRUE(pods.output.ends_with("\n401")) << pods.output;
  EXPECT_NE(pods.output.find("Unauthorized"), std::string::npos) << pods.output;
  auto metrics = Curl(server, "/metrics");
  EXPECT_TRUE(metrics.output.ends_with("\n401")) << metrics.output;
}

TEST_F(AgentServerTest, ClusterCertificateHoldersReadPodsAndMetrics) {
  AgentServer server(options_, view_);
  auto pods = Curl(server, "/pods", "ca");
  ASSERT_TRUE(pods.output.ends_with("\n200")) << pods.output;
  json list = json::parse(pods.output.substr(0, pods.output.rfind('\n')));
  EXPECT_EQ(list["kind"], "PodList");
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["metadata"]["name"], "web");
  auto metrics = Curl(server, "/metrics", "ca");
  EXPECT_EQ(metrics.output, "# HELP up Up.\n# TYPE up gauge\nup 1\n\n200");
}

TEST_F(AgentServerTest, CertificateFromAnotherCaIsRefused) {
  AgentServer server(options_, view_);
  auto pods = Curl(server, "/pods", "other");
  EXPECT_NE(pods.exit_code, 0) << pods.output;
  EXPECT_FALSE(pods.output.ends_with("\n200")) << pods.output;
}

TEST_F(AgentServerTest, UnknownPodLogIsNotFound) {
  AgentServer server(options_, view_);
  auto logs = Curl(server, "/containerLogs/default/missing/app", "ca");
  EXPECT_TRUE(logs.output.ends_with("\n404")) << logs.output;
  EXPECT_NE(logs.output.find("pod \\\"default/missing\\\" does not exist"), std::string::npos)
      << logs.output;
  auto bad = Curl(server, "/containerLogs/default/web/app?tailLines=-3", "ca");
  EXPECT_TRUE(bad.output.ends_with("\n400")) << bad.output;
  EXPECT_NE(bad.output.find("tailLines: must be 0 or more"), std::string::npos) << bad.output;
}

TEST_F(AgentServerTest, WithoutAClusterCaOnlyHealthIsServed) {
  options_.client_ca_pem = "";
  AgentServer server(options_, view_);
  EXPECT_EQ(Curl(server, "/healthz").output, "ok\n200");
  EXPECT_TRUE(Curl(server, "/pods", "ca").output.ends_with("\n401"));
}

TEST_F(AgentServerTest, SelfSignedCertificateIsMadeOnceAndKept) {
  std::string first;
  {
    AgentServer server(options_, view_);
    first = testing::ReadFile(dir_.path() / "pki/kubelet.crt");
    ASSERT_FALSE(first.empty());
  }
  AgentServer again(options_, view_);
  EXPECT_EQ(testing::ReadFile(dir_.path() / "pki/kubelet.crt"), first);
  EXPECT_EQ(Curl(again, "/healthz").output, "ok\n200");
}

TEST_F(AgentServerTest, ConfiguredCertificateIsServed) {
  options_.tls_cert_file = dir_.path() / "ca/apiserver.crt";
  options_.tls_private_key_file = dir_.path() / "ca/apiserver.key";
  AgentServer server(options_, view_);
  // Verified against the CA that signed the configured certificate, not skipped.
  auto health = Curl(server, "/healthz", "", "--cacert " + dir_ / "ca/ca.crt");
  EXPECT_EQ(health.output, "ok\n200");
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "pki/kubelet.crt"));
}

TEST_F(AgentServerTest, MismatchedConfiguredKeyIsAClearError) {
  options_.tls_cert_file = dir_.path() / "ca/apiserver.crt";
  options_.tls_private_key_file = dir_.path() / "ca/client.key";
  try {
    AgentServer server(options_, view_);
    FAIL() << "a key that is not the certificate's was accepted";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("is not the key of"), std::string::npos)
        << error.what();
  }
}

TEST_F(AgentServerTest, AddressInUseIsAClearError) {
  AgentServer first(options_, view_);
  options_.port = first.local_endpoint().port();
  try {
    AgentServer second(options_, view_);
    FAIL() << "two servers on one port";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("cannot serve on 127.0.0.1:"), std::string::npos)
        << error.what();
  }
}

// hostlet-server's side: its node client presents the kubelet-client certificate and does not
// check the agent's self-signed one.
TEST_F(AgentServerTest, ApiserverNodeClientGetsThrough) {
  AgentServer server(options_, view_);
  apiserver::NodeClient client(client_);
  auto answer = client.Get("127.0.0.1", server.local_endpoint().port(), "/pods",
                           std::chrono::seconds(10), false);
  EXPECT_EQ(answer->status(), 200);
  EXPECT_EQ(json::parse(answer->ReadAll())["items"][0]["metadata"]["uid"], "u1");
  try {
    client.Get("127.0.0.1", 1, "/pods", std::chrono::seconds(10), false);
    FAIL() << "port 1 answered";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("Get \"https://127.0.0.1:1/pods\": "),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace hostlet::server
