// The Kubernetes resources this server declares: one table, read by every discovery document and
// by the resource routes, so what kubectl discovers and what the server answers cannot disagree.
#pragma once

#include <string>
#include <vector>

namespace hostlet::apiserver {

struct Subresource {
  std::string name;   // "status", "binding", "log"
  std::string kind;   // the kind its responses carry
  std::string group;  // of that kind; empty means the resource's own group
  std::string version;
  std::vector<std::string> verbs;
};

struct Resource {
  std::string group;  // "" for the core group
  std::string version;
  std::string name;  // plural, as in the URL: "pods"
  std::string singular;
  std::string kind;
  bool namespaced = false;
  std::vector<std::string> verbs;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<Subresource> subresources;

  // "v1" for the core group, "apps/v1" otherwise.
  std::string GroupVersion() const;
  const Subresource* FindSubresource(const std::string& subresource) const;
};

// A group with the versions it serves, preferred first.
struct GroupVersions {
  std::string group;
  std::vector<std::string> versions;
};

class ResourceTable {
 public:
  explicit ResourceTable(std::vector<Resource> resources);

  // What hostlet-server serves: the core, apps, coordination and storage resources that the
  // agent, the scheduler, the controllers and kubectl use.
  static const ResourceTable& Served();

  const std::vector<Resource>& resources() const { return resources_; }
  // Every group in first-declared order, the core group ("") included.
  const std::vector<GroupVersions>& groups() const { return groups_; }
  std::vector<const Resource*> InGroupVersion(const std::string& group,
                                              const std::string& version) const;
  bool ServesGroupVersion(const std::string& group, const std::string& version) const;
  const Resource* Find(const std::string& group, const std::string& version,
                       const std::string& name) const;

 private:
  std::vector<Resource> resources_;
  std::vector<GroupVersions> groups_;
};

}  // namespace hostlet::apiserver
