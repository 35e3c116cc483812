#include "controlplane/apiserver/openapi.h"

#include <cstdio>
#include <functional>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;

json QueryParameter(const char* name, const char* type) {
  return {{"name", name}, {"in", "query"}, {"schema", {{"type", type}, {"uniqueItems", true}}}};
}

json PathParameter(const char* name) {
  return {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}};
}

json Gvk(const std::string& group, const std::string& version, const std::string& kind) {
  return {{"group", group}, {"version", version}, {"kind", kind}};
}

json Operation(const std::string& action, const json& gvk, json parameters) {
  return {{"x-kubernetes-action", action},
          {"x-kubernetes-group-version-kind", gvk},
          {"parameters", std::move(parameters)},
          {"responses", {{"200", {{"description", "OK"}}}}}};
}

json WriteParameters() {
  return json::array({QueryParameter("dryRun", "string"), QueryParameter("fieldManager", "string"),
                      QueryParameter("fieldValidation", "string")});
}

json ListParameters() {
  return json::array(
      {QueryParameter("labelSelector", "string"), QueryParameter("fieldSelector", "string"),
       QueryParameter("limit", "integer"), QueryParameter("continue", "string"),
       QueryParameter("resourceVersion", "string"),
       QueryParameter("resourceVersionMatch", "string"),
       QueryParameter("timeoutSeconds", "integer"), QueryParameter("watch", "boolean")});
}

// The patch types this server applies. Strategic merge is left out on purpose: naming it makes
// kubectl compute apply patches from OpenAPI schemas, which this server does not publish.
json PatchBody() {
  json schema = {{"type", "object"}};
  return {{"content",
           {{"application/json-patch+json", {{"schema", schema}}},
            {"application/merge-patch+json", {{"schema", schema}}}}}};
}

void AddResource(json& paths, const Resource& resource) {
  std::string base = resource.group.empty() ? "/api/" + resource.version
                                            : "/apis/" + resource.group + "/" + resource.version;
  json gvk = Gvk(resource.group, resource.version, resource.kind);
  json scope = json::array();
  std::string collection = base + "/";
  if (resource.namespaced) {
    collection += "namespaces/{namespace}/";
    scope.push_back(PathParameter("namespace"));
  }
  collection += resource.name;
  std::string item = collection + "/{name}";
  json item_scope = scope;
  item_scope.push_back(PathParameter("name"));

  json& list = paths[collection];
  list["parameters"] = scope;
  list["get"] = Operation("list", gvk, ListParameters());
  list["post"] = Operation("post", gvk, WriteParameters());
  list["post"]["requestBody"] = {
      {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
  list["delete"] = Operation("deletecollection", gvk, ListParameters());

  json& one = paths[item];
  one["parameters"] = item_scope;
  one["get"] = Operation("get", gvk, json::array());
  one["put"] = Operation("put", gvk, WriteParameters());
  one["patch"] = Operation("patch", gvk, WriteParameters());
  one["patch"]["requestBody"] = PatchBody();
  one["delete"] = Operation("delete", gvk,
                            json::array({QueryParameter("dryRun", "string"),
                                         QueryParameter("gracePeriodSeconds", "integer"),
                                         QueryParameter("propagationPolicy", "string")}));

  for (const auto& sub : resource.subresources) {
    json sub_gvk = Gvk(sub.group.empty() ? resource.group : sub.group,
                       sub.version.empty() ? resource.version : sub.version, sub.kind);
    json& path = paths[item + "/" + sub.name];
    path["parameters"] = item_scope;
    for (const auto& verb : sub.verbs) {
      if (verb == "get") path["get"] = Operation("get", sub_gvk, json::array());
      if (verb == "update") path["put"] = Operation("put", sub_gvk, WriteParameters());
      if (verb == "create") path["post"] = Operation("post", sub_gvk, WriteParameters());
      if (verb == "patch") {
        path["patch"] = Operation("patch", sub_gvk, WriteParameters());
        path["patch"]["requestBody"] = PatchBody();
      }
    }
  }
}

std::string PathOf(const std::string& group, const std::string& version) {
  return group.empty() ? "api/" + version : "apis/" + group + "/" + version;
}

}  // namespace

std::optional<json> OpenApiV3Document(const ResourceTable& table, const std::string& group,
                                      const std::string& version) {
  auto resources = table.InGroupVersion(group, version);
  if (resources.empty()) return std::nullopt;
  json paths = json::object();
  for (const Resource* resource : resources) AddResource(paths, *resource);
  return json{{"openapi", "3.0.0"},
              {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
              {"paths", std::move(paths)},
              {"components", {{"schemas", json::object()}}}};
}

json OpenApiV3Index(const ResourceTable& table) {
  json paths = json::object();
  for (const auto& group : table.groups()) {
    for (const auto& version : group.versions) {
      auto document = OpenApiV3Document(table, group.group, version);
      // The hash lets clients cache a document until it changes.
      char hash[32];
      std::snprintf(hash, sizeof hash, "%016zX", std::hash<std::string>{}(document->dump()));
      std::string path = PathOf(group.group, version);
      paths[path] = {{"serverRelativeURL", "/openapi/v3/" + path + "?hash=" + hash}};
    }
  }
  return {{"paths", std::move(paths)}};
}

}  // namespace hostlet::apiserver
