#include "controlplane/apiserver/api_routes.h"

#include "controlplane/apiserver/api_status.h"
#include "controlplane/apiserver/content_negotiation.h"
#include "controlplane/apiserver/discovery.h"

#include <nlohmann/json.hpp>

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

// The rest of a resource path after its group version:
//   namespaces/<ns>/<resource>[/<name>[/<subresource>]]   (namespaced)
//   <resource>[/<name>[/<subresource>]]                      (cluster-scoped, or all namespaces)
Response ResourceRequest(const ResourceTable& table, const std::string& group,
                         const std::string& version, const std::string& rest) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < rest.size()) {
    size_t end = rest.find('/', start);
    if (end == std::string::npos) end = rest.size();
    parts.push_back(rest.substr(start, end - start));
    start = end + 1;
  }
  // "namespaces/<ns>/status" is the namespace's own subresource, not a resource in it.
  bool in_namespace = parts.size() >= 3 && parts[0] == "namespaces" &&
                      !(parts.size() == 3 && table.Find(group, version, parts[2]) == nullptr);
  size_t first = in_namespace ? 2 : 0;
  auto not_found = ErrorResponse(NotFound("the server could not find the requested resource"));
  if (parts.size() <= first || parts.size() > first + 3) return not_found;
  const Resource* resource = table.Find(group, version, parts[first]);
  if (resource == nullptr || (in_namespace && !resource->namespaced)) return not_found;
  std::string name = parts.size() > first + 1 ? parts[first + 1] : "";
  if (parts.size() == first + 3 && resource->FindSubresource(parts[first + 2]) == nullptr) {
    return not_found;
  }
  std::string what = resource->name;
  if (parts.size() == first + 3) what += "/" + parts[first + 2];
  return ErrorResponse(
      ServiceUnavailable(what + " (" + resource->GroupVersion() +
                             ") cannot be served yet: the API server's storage is not wired in",
                         {name, group, resource->name}));
}

}  // namespace

void AddApiRoutes(Router& router, const ResourceTable& table, const std::string& server_address) {
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

  router.Add("*", "/api/{version}/{rest...}", [&table](const Request&, const PathParams& params) {
    return ResourceRequest(table, "", params.at("version"), params.at("rest"));
  });
  router.Add(
      "*", "/apis/{group}/{version}/{rest...}", [&table](const Request&, const PathParams& params) {
        return ResourceRequest(table, params.at("group"), params.at("version"), params.at("rest"));
      });
}

}  // namespace hostlet::apiserver
