#include "controlplane/apiserver/resources.h"

#include <algorithm>

namespace hostlet::apiserver {

std::string Resource::GroupVersion() const {
  return group.empty() ? version : group + "/" + version;
}

const Subresource* Resource::FindSubresource(const std::string& subresource) const {
  for (const auto& sub : subresources) {
    if (sub.name == subresource) return &sub;
  }
  return nullptr;
}

ResourceTable::ResourceTable(std::vector<Resource> resources) : resources_(std::move(resources)) {
  for (const auto& resource : resources_) {
    auto group = std::find_if(groups_.begin(), groups_.end(),
                              [&](const GroupVersions& g) { return g.group == resource.group; });
    if (group == groups_.end()) {
      groups_.push_back({resource.group, {resource.version}});
    } else if (std::find(group->versions.begin(), group->versions.end(), resource.version) ==
               group->versions.end()) {
      group->versions.push_back(resource.version);
    }
  }
}

std::vector<const Resource*> ResourceTable::InGroupVersion(const std::string& group,
                                                           const std::string& version) const {
  std::vector<const Resource*> found;
  for (const auto& resource : resources_) {
    if (resource.group == group && resource.version == version) found.push_back(&resource);
  }
  return found;
}

bool ResourceTable::ServesGroupVersion(const std::string& group, const std::string& version) const {
  return !InGroupVersion(group, version).empty();
}

const Resource* ResourceTable::Find(const std::string& group, const std::string& version,
                                    const std::string& name) const {
  for (const auto& resource : resources_) {
    if (resource.group == group && resource.version == version && resource.name == name) {
      return &resource;
    }
  }
  return nullptr;
}

namespace {

using Verbs = std::vector<std::string>;

const Verbs kAll = {"create", "delete", "deletecollection", "get",
                    "list",   "patch",  "update",           "watch"};
// Namespaces and nodes are not deleted as a collection.
const Verbs kAllButCollection = {"create", "delete", "get", "list", "patch", "update", "watch"};
const Verbs kStatus = {"get", "patch", "update"};

Subresource Status(const std::string& kind) { return {"status", kind, "", "", kStatus}; }
// What `kubectl scale` reads and writes: an autoscaling/v1 Scale.
Subresource Scale() { return {"scale", "Scale", "autoscaling", "v1", kStatus}; }

std::vector<Resource> ServedResources() {
  return {
      // group, version, name, singular, kind, namespaced, verbs, shortNames, categories, subs
      {"",
       "v1",
       "namespaces",
       "namespace",
       "Namespace",
       false,
       kAllButCollection,
       {"ns"},
       {},
       {Status("Namespace"), {"finalize", "Namespace", "", "", {"update"}}}},
      {"",
       "v1",
       "nodes",
       "node",
       "Node",
       false,
       kAll,
       {"no"},
       {},
       // proxy is answered by the node's agent (node_proxy.h); GET only here.
       {Status("Node"), {"proxy", "NodeProxyOptions", "", "", {"get"}}}},
      {"",
       "v1",
       "pods",
       "pod",
       "Pod",
       true,
       kAll,
       {"po"},
       {"all"},
       {Status("Pod"),
        {"binding", "Binding", "", "", {"create"}},
        {"log", "Pod", "", "", {"get"}}}},
      {"", "v1", "events", "event", "Event", true, kAll, {"ev"}, {}, {}},
      {"", "v1", "configmaps", "configmap", "ConfigMap", true, kAll, {"cm"}, {}, {}},
      {"", "v1", "secrets", "secret", "Secret", true, kAll, {}, {}, {}},
      {"",
       "v1",
       "services",
       "service",
       "Service",
       true,
       // Services cannot be deleted as a collection in Kubernetes either.
       kAllButCollection,
       {"svc"},
       {"all"},
       {Status("Service")}},
      {"", "v1", "endpoints", "endpoints", "Endpoints", true, kAll, {"ep"}, {}, {}},
      {"", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, kAll, {"sa"}, {}, {}},
      {"",
       "v1",
       "persistentvolumes",
       "persistentvolume",
       "PersistentVolume",
       false,
       kAll,
       {"pv"},
       {},
       {Status("PersistentVolume")}},
      {"",
       "v1",
       "persistentvolumeclaims",
       "persistentvolumeclaim",
       "PersistentVolumeClaim",
       true,
       kAll,
       {"pvc"},
       {},
       {Status("PersistentVolumeClaim")}},
      {"apps",
       "v1",
       "deployments",
       "deployment",
       "Deployment",
       true,
       kAll,
       {"deploy"},
       {"all"},
       {Status("Deployment"), Scale()}},
      {"apps",
       "v1",
       "replicasets",
       "replicaset",
       "ReplicaSet",
       true,
       kAll,
       {"rs"},
       {"all"},
       {Status("ReplicaSet"), Scale()}},
      {"coordination.k8s.io", "v1", "leases", "lease", "Lease", true, kAll, {}, {}, {}},
      {"storage.k8s.io",
       "v1",
       "storageclasses",
       "storageclass",
       "StorageClass",
       false,
       kAll,
       {"sc"},
       {},
       {}},
      {"storage.k8s.io", "v1", "csidrivers", "csidriver", "CSIDriver", false, kAll, {}, {}, {}},
      {"storage.k8s.io", "v1", "csinodes", "csinode", "CSINode", false, kAll, {}, {}, {}},
  };
}

}  // namespace

const ResourceTable& ResourceTable::Served() {
  static const ResourceTable table(ServedResources());
  return table;
}

}  // namespace hostlet::apiserver
