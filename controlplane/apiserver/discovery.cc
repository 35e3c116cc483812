#include "controlplane/apiserver/discovery.h"

namespace hostlet::apiserver {
namespace {

using nlohmann::json;

std::string GroupVersionOf(const std::string& group, const std::string& version) {
  return group.empty() ? version : group + "/" + version;
}

json GroupVersionForDiscovery(const std::string& group, const std::string& version) {
  return {{"groupVersion", GroupVersionOf(group, version)}, {"version", version}};
}

json ResourceEntry(const Resource& resource) {
  json entry = {{"name", resource.name},
                {"singularName", resource.singular},
                {"namespaced", resource.namespaced},
                {"kind", resource.kind},
                {"verbs", resource.verbs}};
  if (!resource.short_names.empty()) entry["shortNames"] = resource.short_names;
  if (!resource.categories.empty()) entry["categories"] = resource.categories;
  return entry;
}

json SubresourceEntry(const Resource& resource, const Subresource& sub) {
  json entry = {{"name", resource.name + "/" + sub.name},
                {"singularName", ""},
                {"namespaced", resource.namespaced},
                {"kind", sub.kind},
                {"verbs", sub.verbs}};
  // A kind from another group version says so; one from the resource's own is left implicit.
  if (!sub.group.empty() || !sub.version.empty()) {
    entry["group"] = sub.group;
    entry["version"] = sub.version;
  }
  return entry;
}

json ResponseKind(const std::string& group, const std::string& version, const std::string& kind) {
  return {{"group", group}, {"version", version}, {"kind", kind}};
}

json ResourceDiscovery(const Resource& resource) {
  json entry = {{"resource", resource.name},
                {"responseKind", ResponseKind(resource.group, resource.version, resource.kind)},
                {"scope", resource.namespaced ? "Namespaced" : "Cluster"},
                {"singularResource", resource.singular},
                {"verbs", resource.verbs}};
  if (!resource.short_names.empty()) entry["shortNames"] = resource.short_names;
  if (!resource.categories.empty()) entry["categories"] = resource.categories;
  if (!resource.subresources.empty()) {
    json subresources = json::array();
    for (const auto& sub : resource.subresources) {
      bool own = sub.group.empty() && sub.version.empty();
      subresources.push_back(
          {{"subresource", sub.name},
           {"responseKind", ResponseKind(own ? resource.group : sub.group,
                                         own ? resource.version : sub.version, sub.kind)},
           {"verbs", sub.verbs}});
    }
    entry["subresources"] = subresources;
  }
  return entry;
}

json GroupDiscovery(const ResourceTable& table, const GroupVersions& group) {
  json versions = json::array();
  for (const auto& version : group.versions) {
    json resources = json::array();
    for (const auto* resource : table.InGroupVersion(group.group, version)) {
      resources.push_back(ResourceDiscovery(*resource));
    }
    // "Current": this server answers for every resource it lists; a stale version would make
    // clients treat the group version as failed.
    versions.push_back({{"version", version}, {"resources", resources}, {"freshness", "Current"}});
  }
  json metadata = json::object();
  if (!group.group.empty()) metadata["name"] = group.group;
  return {{"metadata", metadata}, {"versions", versions}};
}

}  // namespace

json LegacyApiVersions(const ResourceTable& table, const std::string& server_address) {
  json versions = json::array();
  for (const auto& group : table.groups()) {
    if (group.group.empty()) versions = group.versions;
  }
  return {{"kind", "APIVersions"},
          {"versions", versions},
          {"serverAddressByClientCIDRs",
           json::array({{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}})}};
}

json ApiGroupList(const ResourceTable& table) {
  json groups = json::array();
  for (const auto& group : table.groups()) {
    if (group.group.empty()) continue;
    json versions = json::array();
    for (const auto& version : group.versions) {
      versions.push_back(GroupVersionForDiscovery(group.group, version));
    }
    groups.push_back(
        {{"name", group.group}, {"versions", versions}, {"preferredVersion", versions.front()}});
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

json ApiResourceList(const ResourceTable& table, const std::string& group,
                     const std::string& version) {
  json resources = json::array();
  for (const auto* resource : table.InGroupVersion(group, version)) {
    resources.push_back(ResourceEntry(*resource));
    for (const auto& sub : resource->subresources) {
      resources.push_back(SubresourceEntry(*resource, sub));
    }
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", GroupVersionOf(group, version)},
          {"resources", resources}};
}

json AggregatedDiscovery(const ResourceTable& table, bool core_group, const std::string& version) {
  json items = json::array();
  for (const auto& group : table.groups()) {
    if (group.group.empty() == core_group) items.push_back(GroupDiscovery(table, group));
  }
  return {{"kind", "APIGroupDiscoveryList"},
          {"apiVersion", "apidiscovery.k8s.io/" + version},
          {"metadata", json::object()},
          {"items", items}};
}

}  // namespace hostlet::apiserver
