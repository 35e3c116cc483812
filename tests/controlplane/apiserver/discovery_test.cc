// The routes and documents without a network: content negotiation, the discovery documents
// built from the resource table, OpenAPI, resource paths reaching the registry and unknown
// ones 404.
#include "controlplane/apiserver/api_routes.h"
#include "controlplane/apiserver/content_negotiation.h"
#include "controlplane/apiserver/listen_address.h"
#include "controlplane/apiserver/registry.h"
#include "controlplane/apiserver/resource_api.h"
#include "controlplane/storage/sqlite_store.h"
#include "tests/support/fixtures.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kKubectlAccept =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

TEST(ContentNegotiation, PrefersTheFirstAggregatedVersionKubectlLists) {
  EXPECT_EQ(AggregatedDiscoveryVersion(kKubectlAccept), "v2");
  EXPECT_EQ(AggregatedDiscoveryVersion(
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"),
            "v2beta1");
}

TEST(ContentNegotiation, PlainJsonFirstOrUnknownVersionsMeanLegacy) {
  EXPECT_EQ(AggregatedDiscoveryVersion("application/json"), std::nullopt);
  EXPECT_EQ(AggregatedDiscoveryVersion(""), std::nullopt);
  EXPECT_EQ(
      AggregatedDiscoveryVersion(
          "application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"),
      std::nullopt);
  EXPECT_EQ(AggregatedDiscoveryVersion(
                "application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList"),
            std::nullopt);
}

TEST(ContentNegotiation, QualityOutranksOrder) {
  EXPECT_EQ(AggregatedDiscoveryVersion("application/json;q=0.5,application/"
                                       "json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"),
            "v2");
  EXPECT_EQ(AggregatedDiscoveryVersion(
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0.1,*/*"),
            std::nullopt);
}

class Routes : public ::testing::Test {
 protected:
  hostlet::testing::TempDir dir_;
  storage::SqliteStore store_{dir_.path() / "state.db"};
  Registry registry_{store_, ResourceTable::Served()};

  Routes() {
    registry_.EnsureNamespace("default");
    AddApiRoutes(router_, ResourceTable::Served(), "127.0.0.1:6443",
                 [this](const Request& request, const std::string& group,
                        const std::string& version, const std::string& rest) {
                   return ServeResource(registry_, request, group, version, rest);
                 });
  }

  Response Get(const std::string& path, const std::string& accept = "application/json",
               const std::string& method = "GET") {
    Request request;
    request.method = method;
    request.path = path;
    request.headers["accept"] = accept;
    return router_.Dispatch(request);
  }

  Router router_;
};

// Every resource kubectl can name is in exactly one place: its discovery entry.
const json* FindResource(const json& list, const std::string& name) {
  for (const auto& resource : list["resources"]) {
    if (resource["name"] == name) return &resource;
  }
  return nullptr;
}

TEST_F(Routes, LegacyCoreResourcesListSubresourcesAsTheirOwnEntries) {
  auto response = Get("/api/v1");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  auto list = json::parse(response.body);
  EXPECT_EQ(list["kind"], "APIResourceList");
  EXPECT_EQ(list["groupVersion"], "v1");
  const json* pods = FindResource(list, "pods");
  ASSERT_NE(pods, nullptr);
  EXPECT_EQ((*pods)["shortNames"], json::array({"po"}));
  EXPECT_EQ((*pods)["namespaced"], true);
  EXPECT_EQ((*pods)["kind"], "Pod");
  EXPECT_EQ((*pods)["singularName"], "pod");
  for (const char* sub : {"pods/status", "pods/binding", "pods/log"}) {
    EXPECT_NE(FindResource(list, sub), nullptr) << sub;
  }
  EXPECT_EQ((*FindResource(list, "pods/binding"))["kind"], "Binding");
  EXPECT_EQ((*FindResource(list, "nodes"))["namespaced"], false);
}

TEST_F(Routes, LegacyGroupsPreferTheirOnlyVersion) {
  auto list = json::parse(Get("/apis").body);
  EXPECT_EQ(list["kind"], "APIGroupList");
  std::vector<std::string> names;
  for (const auto& group : list["groups"]) {
    names.push_back(group["name"]);
    EXPECT_EQ(group["preferredVersion"]["version"], "v1");
  }
  EXPECT_THAT(names, ::testing::ElementsAre("apps", "coordination.k8s.io", "storage.k8s.io"));
  auto apps = json::parse(Get("/apis/apps/v1").body);
  EXPECT_EQ(apps["groupVersion"], "apps/v1");
  EXPECT_NE(FindResource(apps, "deployments"), nullptr);
  EXPECT_EQ(json::parse(Get("/apis/apps").body)["kind"], "APIGroup");
}

TEST_F(Routes, AggregatedDiscoveryDescribesEveryResourceWithItsKind) {
  auto response = Get("/apis", kKubectlAccept);
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type,
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  auto list = json::parse(response.body);
  EXPECT_EQ(list["kind"], "APIGroupDiscoveryList");
  EXPECT_EQ(list["apiVersion"], "apidiscovery.k8s.io/v2");
  const json* storage = nullptr;
  for (const auto& item : list["items"]) {
    if (item["metadata"]["name"] == "storage.k8s.io") storage = &item;
  }
  ASSERT_NE(storage, nullptr);
  const auto& version = (*storage)["versions"][0];
  EXPECT_EQ(version["version"], "v1");
  EXPECT_EQ(version["freshness"], "Current");
  json classes;
  for (const auto& resource : version["resources"]) {
    if (resource["resource"] == "storageclasses") classes = resource;
  }
  EXPECT_EQ(classes["scope"], "Cluster");
  EXPECT_EQ(classes["responseKind"],
            json({{"group", "storage.k8s.io"}, {"version", "v1"}, {"kind", "StorageClass"}}));
  EXPECT_EQ(classes["shortNames"], json::array({"sc"}));

  auto core = json::parse(Get("/api", kKubectlAccept).body);
  ASSERT_EQ(core["items"].size(), 1u);
  EXPECT_FALSE(core["items"][0]["metadata"].contains("name"));
  const auto& pods = core["items"][0]["versions"][0]["resources"];
  auto found =
      std::find_if(pods.begin(), pods.end(), [](const json& r) { return r["resource"] == "pods"; });
  ASSERT_NE(found, pods.end());
  EXPECT_EQ((*found)["subresources"].size(), 3u);
}

TEST_F(Routes, ResourcePathsReachTheRegistry) {
  auto list = Get("/api/v1/namespaces/default/pods");
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(json::parse(list.body)["kind"], "PodList");
  auto status = json::parse(Get("/api/v1/namespaces/default/pods/web").body);
  EXPECT_EQ(status["code"], 404);
  EXPECT_EQ(status["message"], "pods \"web\" not found");
  EXPECT_EQ(status["details"], json({{"name", "web"}, {"kind", "pods"}}));
  auto deployment = json::parse(Get("/apis/apps/v1/namespaces/default/deployments/d").body);
  EXPECT_EQ(deployment["message"], "deployments.apps \"d\" not found");
  EXPECT_EQ(json::parse(Get("/api/v1/namespaces/default").body)["kind"], "Namespace");
}

TEST_F(Routes, OpenApiV3ListsEveryGroupVersionAndItsPatchOperations) {
  auto index = json::parse(Get("/openapi/v3").body);
  ASSERT_TRUE(index["paths"].contains("api/v1"));
  ASSERT_TRUE(index["paths"].contains("apis/apps/v1"));
  std::string url = index["paths"]["apis/apps/v1"]["serverRelativeURL"];
  EXPECT_THAT(url, ::testing::StartsWith("/openapi/v3/apis/apps/v1?hash="));
  auto document = json::parse(Get("/openapi/v3/apis/apps/v1").body);
  const json& patch =
      document["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
  EXPECT_EQ(patch["x-kubernetes-group-version-kind"],
            json({{"group", "apps"}, {"version", "v1"}, {"kind", "Deployment"}}));
  bool field_validation = false;
  for (const auto& parameter : patch["parameters"]) {
    field_validation |= parameter["name"] == "fieldValidation" && parameter["in"] == "query";
  }
  EXPECT_TRUE(field_validation);
  EXPECT_EQ(Get("/openapi/v3/apis/batch/v1").status, 404);
}

TEST_F(Routes, UnknownPathsResourcesAndScopesAreNotFound) {
  for (const char* path : {"/nothing", "/api/v2", "/apis/batch/v1", "/api/v1/widgets",
                           "/api/v1/namespaces/a/nodes", "/api/v1/namespaces/a/pods/p/exec",
                           "/apis/apps/v1/namespaces/a/deployments/d/status/extra"}) {
    auto response = Get(path);
    EXPECT_EQ(response.status, 404) << path;
    auto status = json::parse(response.body);
    EXPECT_EQ(status["kind"], "Status");
    EXPECT_EQ(status["apiVersion"], "v1");
    EXPECT_EQ(status["status"], "Failure");
    EXPECT_EQ(status["reason"], "NotFound");
    EXPECT_EQ(status["code"], 404);
  }
  EXPECT_EQ(Get("/version", "", "DELETE").status, 405);
}

TEST(ListenAddress, PlainHttpOnLoopbackOnly) {
  EXPECT_EQ(ParseListenAddress("127.0.0.1:6443", Transport::kPlainHttp).port(), 6443);
  EXPECT_EQ(FormatAuthority(ParseListenAddress("[::1]:0", Transport::kPlainHttp)), "[::1]:0");
  try {
    ParseListenAddress("0.0.0.0:6443", Transport::kPlainHttp);
    FAIL() << "0.0.0.0 accepted for plain HTTP";
  } catch (const std::invalid_argument& error) {
    EXPECT_THAT(error.what(), HasSubstr("not a loopback address"));
  }
}

TEST(ListenAddress, HttpsOnAnyAddress) {
  EXPECT_EQ(ParseListenAddress("0.0.0.0:6443", Transport::kHttps).port(), 6443);
  EXPECT_EQ(FormatAuthority(ParseListenAddress("[::]:443", Transport::kHttps)), "[::]:443");
}

TEST(ListenAddress, MalformedAddressesAreRefused) {
  for (auto transport : {Transport::kHttps, Transport::kPlainHttp}) {
    EXPECT_THROW(ParseListenAddress("localhost:6443", transport), std::invalid_argument);
    EXPECT_THROW(ParseListenAddress("127.0.0.1:70000", transport), std::invalid_argument);
    EXPECT_THROW(ParseListenAddress("127.0.0.1", transport), std::invalid_argument);
  }
}

}  // namespace
}  // namespace hostlet::apiserver
