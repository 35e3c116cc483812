// hostlet-server as users run it: a child process on a free loopback port, driven by the real
// kubectl through the kubeconfig the server writes, and by HTTPS for what kubectl hides.
#include "tests/support/hostlet_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <regex>
#include <sstream>
#include <vector>

namespace hostlet::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
namespace http = boost::beast::http;

TEST_F(ServerTest, KubectlVersionReportsTheServersKubernetesVersion) {
  auto result = Kubectl("version -o json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto versions = json::parse(result.output.substr(result.output.find('{')));
  EXPECT_EQ(versions["serverVersion"]["gitVersion"], "v1.32.0-hostlet");
  EXPECT_EQ(versions["serverVersion"]["major"], "1");
  EXPECT_EQ(versions["serverVersion"]["minor"], "32");
}

TEST_F(ServerTest, KubectlApiResourcesListsTheDeclaredResources) {
  auto result = Kubectl("api-resources --no-headers");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto has_row = [&](const std::string& pattern) {
    return std::regex_search(result.output, std::regex(pattern));
  };
  EXPECT_TRUE(has_row(R"((^|\n)pods +po +v1 +true +Pod\n)")) << result.output;
  EXPECT_TRUE(has_row(R"((^|\n)deployments +deploy +apps/v1 +true +Deployment\n)"))
      << result.output;
  EXPECT_TRUE(has_row(R"((^|\n)leases +coordination.k8s.io/v1 +true +Lease\n)")) << result.output;
  EXPECT_TRUE(has_row(R"((^|\n)nodes +no +v1 +false +Node\n)")) << result.output;
  EXPECT_TRUE(has_row(R"((^|\n)storageclasses +sc +storage.k8s.io/v1 +false +StorageClass\n)"))
      << result.output;
}

TEST_F(ServerTest, KubectlApiVersionsListsEveryGroupVersion) {
  auto result = Kubectl("api-versions");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "apps/v1\ncoordination.k8s.io/v1\nstorage.k8s.io/v1\nv1\n");
}

TEST_F(ServerTest, KubectlGetRawHealthz) {
  for (const char* path : {"/healthz", "/livez", "/readyz"}) {
    auto result = Kubectl(std::string("get --raw ") + path);
    EXPECT_EQ(result.exit_code, 0) << path << ": " << result.output;
    EXPECT_EQ(result.output, "ok") << path;
  }
}

TEST_F(ServerTest, AggregatedDiscoveryWhenAskedForIt) {
  for (const char* version : {"v2", "v2beta1"}) {
    std::string accept = std::string("application/json;g=apidiscovery.k8s.io;v=") + version +
                         ";as=APIGroupDiscoveryList,application/json";
    for (const char* path : {"/api", "/apis"}) {
      auto response = Http("GET", path, accept);
      ASSERT_EQ(response.status, 200) << path;
      EXPECT_EQ(response.content_type, std::string("application/json;g=apidiscovery.k8s.io;v=") +
                                           version + ";as=APIGroupDiscoveryList")
          << path;
      auto list = json::parse(response.body);
      EXPECT_EQ(list["kind"], "APIGroupDiscoveryList");
      EXPECT_EQ(list["apiVersion"], std::string("apidiscovery.k8s.io/") + version);
      EXPECT_FALSE(list["items"].empty()) << path;
    }
  }
}

TEST_F(ServerTest, LegacyDiscoveryOtherwise) {
  auto api = Http("GET", "/api", "application/json");
  EXPECT_EQ(api.status, 200);
  EXPECT_EQ(api.content_type, "application/json");
  auto versions = json::parse(api.body);
  EXPECT_EQ(versions["kind"], "APIVersions");
  EXPECT_EQ(versions["versions"], json::array({"v1"}));
  EXPECT_EQ(versions["serverAddressByClientCIDRs"][0]["serverAddress"],
            "127.0.0.1:" + std::to_string(port_));

  auto apis = Http("GET", "/apis/");
  EXPECT_EQ(apis.content_type, "application/json");
  EXPECT_EQ(json::parse(apis.body)["kind"], "APIGroupList");

  auto leases = json::parse(Http("GET", "/apis/coordination.k8s.io/v1").body);
  EXPECT_EQ(leases["kind"], "APIResourceList");
  EXPECT_EQ(leases["resources"][0]["name"], "leases");
}

TEST_F(ServerTest, UnknownPathIsANotFoundStatus) {
  auto response = Http("GET", "/apis/batch/v1/jobs");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/json");
  auto status = json::parse(response.body);
  EXPECT_EQ(status["kind"], "Status");
  EXPECT_EQ(status["apiVersion"], "v1");
  EXPECT_EQ(status["status"], "Failure");
  EXPECT_EQ(status["reason"], "NotFound");
  EXPECT_EQ(status["code"], 404);
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  auto stream = Connect();
  boost::beast::flat_buffer buffer;
  for (int i = 0; i < 20; ++i) {
    http::request<http::empty_body> request{http::verb::get, i % 2 ? "/readyz" : "/version", 11};
    request.set(http::field::host, "127.0.0.1");
    http::write(*stream, request);
    http::response<http::string_body> response;
    http::read(*stream, buffer, response);
    ASSERT_EQ(response.result_int(), 200u);
    ASSERT_TRUE(response.keep_alive());
  }
}

TEST_F(ServerTest, SigtermAndSigintStopTheServerCleanly) {
  EXPECT_EQ(server_->Stop(SIGTERM, std::chrono::seconds(10)), 0) << ReadFile(dir_ / "server.log");
  // And the port is free again: the same address binds at once.
  std::string listen = "127.0.0.1:" + std::to_string(port_);
  ChildProcess again({HOSTLET_SERVER_BINARY, "--listen", listen, "--data-dir", dir_ / "data",
                      "--kubeconfig-out", dir_ / "again.kubeconfig"},
                     dir_ / "again.log");
  ASSERT_TRUE(Eventually([&] { return std::filesystem::exists(dir_ / "again.kubeconfig"); }))
      << ReadFile(dir_ / "again.log");
  EXPECT_EQ(again.Stop(SIGINT, std::chrono::seconds(10)), 0) << ReadFile(dir_ / "again.log");
}

TEST(ServerFlags, PlainHttpOffLoopbackIsRefusedWithTheReason) {
  auto result =
      RunCommand(std::string(HOSTLET_SERVER_BINARY) + " --insecure-http --listen 0.0.0.0:6443");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.output, HasSubstr("not a loopback address"));
  EXPECT_THAT(result.output, HasSubstr("plain HTTP"));
}

TEST(ServerFlags, HelpDocumentsEveryFlagAndUnknownFlagsAreRefused) {
  auto help = RunCommand(std::string(HOSTLET_SERVER_BINARY) + " --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag : {"--listen", "--data-dir", "--kubeconfig-out", "--threads", "--tls-san",
                           "--insecure-http", "--token-auth-file", "--help"}) {
    EXPECT_THAT(help.output, HasSubstr(flag));
  }
  auto unknown = RunCommand(std::string(HOSTLET_SERVER_BINARY) + " --no-such-flag 1");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.output, HasSubstr("unknown flag --no-such-flag"));
}

// The lines of a watch that ended by its timeout, parsed.
std::vector<json> WatchLines(const std::string& body) {
  std::vector<json> events;
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) events.push_back(json::parse(line));
  }
  return events;
}

std::int64_t RevisionOf(const json& event) {
  return std::stoll(event["object"]["metadata"]["resourceVersion"].get<std::string>());
}

TEST_F(ServerTest, WatchBookmarksWhenAllowedNameWhatTheClientHasSeen) {
  auto list = json::parse(Http("GET", "/api/v1/namespaces/default/configmaps").body);
  std::string start = list["metadata"]["resourceVersion"];
  ASSERT_EQ(
      Http("POST", "/api/v1/namespaces/default/configmaps", "", R"({"metadata":{"name":"one"}})")
          .status,
      201);
  auto events = WatchLines(Http("GET",
                                "/api/v1/namespaces/default/configmaps?watch=true&"
                                "allowWatchBookmarks=true&timeoutSeconds=2&resourceVersion=" +
                                    start)
                               .body);
  ASSERT_EQ(events.size(), 2u) << Http("GET", "/version").body;
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[1]["type"], "BOOKMARK");
  EXPECT_EQ(events[1]["object"]["kind"], "ConfigMap");
  EXPECT_EQ(events[1]["object"]["apiVersion"], "v1");
  // A client resuming from the bookmark misses nothing and gets nothing twice.
  EXPECT_EQ(RevisionOf(events[1]), RevisionOf(events[0]));

  // A selective watch's bookmarks move on with the changes it does not show.
  auto hidden = json::parse(Http("POST", "/api/v1/namespaces/default/configmaps", "",
                                 R"({"metadata":{"name":"two","labels":{"shown":"no"}}})")
                                .body);
  auto selective = WatchLines(Http("GET",
                                   "/api/v1/namespaces/default/configmaps?watch=true&"
                                   "allowWatchBookmarks=true&timeoutSeconds=1&"
                                   "labelSelector=shown%3Dyes&resourceVersion=" +
                                       start)
                                  .body);
  ASSERT_EQ(selective.size(), 1u) << selective.back().dump();
  EXPECT_EQ(selective[0]["type"], "BOOKMARK");
  EXPECT_EQ(selective[0]["object"]["metadata"]["resourceVersion"],
            hidden["metadata"]["resourceVersion"]);

  auto plain = WatchLines(Http("GET",
                               "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1&"
                               "resourceVersion=" +
                                   start)
                              .body);
  // Without allowWatchBookmarks: the two changes and nothing else.
  ASSERT_EQ(plain.size(), 2u);
  EXPECT_EQ(plain[0]["type"], "ADDED");
  EXPECT_EQ(plain[1]["type"], "ADDED");
}

TEST_F(ServerTest, SendInitialEventsEndsTheInitialStateWithAnAnnotatedBookmark) {
  for (const char* name : {"a", "b"}) {
    ASSERT_EQ(Http("POST", "/api/v1/namespaces/default/configmaps", "",
                   std::string(R"({"metadata":{"name":")") + name + R"("}})")
                  .status,
              201);
  }
  auto events =
      WatchLines(Http("GET",
                      "/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true&"
                      "allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&"
                      "resourceVersion=1&timeoutSeconds=1")
                     .body);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[1]["type"], "ADDED");
  EXPECT_EQ(events[2]["type"], "BOOKMARK");
  EXPECT_EQ(events[2]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"], "true");
  EXPECT_GE(RevisionOf(events[2]), RevisionOf(events[0]));
  EXPECT_GE(RevisionOf(events[2]), RevisionOf(events[1]));

  auto refused = Http("GET",
                      "/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true&"
                      "resourceVersionMatch=NotOlderThan");
  EXPECT_EQ(refused.status, 422);
  auto status = json::parse(refused.body);
  EXPECT_EQ(status["reason"], "Invalid");
  EXPECT_EQ(status["details"]["causes"][0]["field"], "allowWatchBookmarks");
  EXPECT_EQ(Http("GET",
                 "/api/v1/namespaces/default/configmaps?watch=true&"
                 "resourceVersionMatch=NotOlderThan")
                .status,
            422);
}

}  // namespace
}  // namespace hostlet::testing
