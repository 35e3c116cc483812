#include "controlplane/apiserver/api_routes.h"

#include "controlplane/apiserver/api_status.h"
#include "controlplane/apiserver/content_negotiation.h"
#include "controlplane/apiserver/discovery.h"
#include "controlplane/apiserver/openapi.h"

#include <nlohmann/json.hpp>

#include <optional>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;

Response Json(const json& document) {
  Response response;
  response.body = document.dump();
  return response;
}

Response Text(const std::string& text) {
  Response response;
  response.content_type = "text/plain; charset=utf-8";
  response.body = text;
  return response;
}

std::string Platform() {
#if defined(__x86_64__)
  return "linux/amd64";
#elif defined(__aarch64__)
  return "linux/arm64";
#else
  return "linux/unknown";
#endif
}

// What `kubectl version` reads: the fields of k8s.io/apimachinery's version.Info.
json VersionInfo() {
  return {{"major", kKubernetesMajor}, {"minor", kKubernetesMinor}, {"gitVersion", kGitVersion},
          {"gitCommit", ""},           {"gitTreeState", ""},        {"buildDate", ""},
          {"goVersion", "n/a"},        {"compiler", "gcc"},         {"platform", Platform()}};
}

// /api and /apis: aggregated when the client asks for it, the legacy document otherwise.
Response Negotiated(const Request& request, const ResourceTable& table, bool core_group,
                    const json& legacy) {
  auto version = AggregatedDiscoveryVersion(request.Header("accept"));
  if (!version) return Json(legacy);
  Response response = Json(AggregatedDiscovery(table, core_group, *version));
  response.content_type = AggregatedDiscoveryContentType(*version);
  // Caches between client and server must keep the two forms apart.
  response.headers.emplace_back("Vary", "Accept");
  return response;
}

}  // namespace

void AddApiRoutes(Router& router, const ResourceTable& table, const std::string& server_address,
                  ResourceHandler resources) {
  router.Add("GET", "/version",
             [](const Request&, const PathParams&) { return Json(VersionInfo()); });
  for (const char* health : {"/healthz", "/livez", "/readyz"}) {
    router.Add("GET", health, [](const Request&, const PathParams&) { return Text("ok"); });
  }

  router.Add("GET", "/api", [&table, server_address](const Request& request, const PathParams&) {
    return Negotiated(request, table, true, LegacyApiVersions(table, server_address));
  });
  router.Add("GET", "/apis", [&table](const Request& request, const PathParams&) {
    return Negotiated(request, table, false, ApiGroupList(table));
  });
  router.Add("GET", "/api/{version}", [&table](const Request&, const PathParams& params) {
    const auto& version = params.at("version");
    if (!table.ServesGroupVersion("", version)) {
      return ErrorResponse(NotFound("the server does not serve version " + version));
    }
    return Json(ApiResourceList(table, "", version));
  });
  router.Add("GET", "/apis/{group}", [&table](const Request&, const PathParams& params) {
    json groups = ApiGroupList(table)["groups"];
    for (auto& group : groups) {
      if (group["name"] == params.at("group")) {
        group["kind"] = "APIGroup";
        group["apiVersion"] = "v1";
        return Json(group);
      }
    }
    return ErrorResponse(NotFound("the server does not serve group " + params.at("group")));
  });
  router.Add("GET", "/apis/{group}/{version}", [&table](const Request&, const PathParams& params) {
    const auto& group = params.at("group");
    const auto& version = params.at("version");
    if (!table.ServesGroupVersion(group, version)) {
      return ErrorResponse(NotFound("the server does not serve " + group + "/" + version));
    }
    return Json(ApiResourceList(table, group, version));
  });

  router.Add("GET", "/openapi/v3",
             [&table](const Request&, const PathParams&) { return Json(OpenApiV3Index(table)); });
  router.Add("GET", "/openapi/v3/{path...}", [&table](const Request&, const PathParams& params) {
    const std::string& path = params.at("path");
    std::optional<json> document;
    if (path.starts_with("api/")) document = OpenApiV3Document(table, "", path.substr(4));
    if (path.starts_with("apis/")) {
      auto slash = path.find('/', 5);
      if (slash != std::string::npos) {
        document = OpenApiV3Document(table, path.substr(5, slash - 5), path.substr(slash + 1));
      }
    }
    if (!document) return ErrorResponse(NotFound("no OpenAPI document for " + path));
    return Json(*document);
  });

  router.Add("*", "/api/{version}/{rest...}",
             [resources](const Request& request, const PathParams& params) {
               return resources(request, "", params.at("version"), params.at("rest"));
             });
  router.Add("*", "/apis/{group}/{version}/{rest...}",
             [resources](const Request& request, const PathParams& params) {
               return resources(request, params.at("group"), params.at("version"),
                                params.at("rest"));
             });
}

}  // namespace hostlet::apiserver
