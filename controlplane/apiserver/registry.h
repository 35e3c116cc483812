// The resources' storage semantics on top of a Store: what create, get, list, update, patch,
// delete and watch mean for Kubernetes objects (uids, resourceVersions, generated names,
// defaults and validation, status kept apart from spec, graceful deletion, finalizers,
// namespace lifecycle). Free of HTTP: the handlers translate requests into these calls.
//
// Objects are stored as JSON without metadata.resourceVersion; the key's mod revision is the
// resourceVersion every read reports, so the two can never disagree.
#pragma once

#include "controlplane/apiserver/resources.h"
#include "controlplane/storage/store.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hostlet::apiserver {

struct ListOptions {
  // Which objects the caller wants (label and field selectors); null selects every object.
  std::function<bool(const nlohmann::json&)> filter;
  std::size_t limit = 0;  // 0: no limit
  std::string continue_token;
  std::string resource_version;        // "" or "0": the newest; a number with the match below
  std::string resource_version_match;  // "", "Exact" or "NotOlderThan"
};

struct ObjectList {
  std::vector<nlohmann::json> items;
  std::string resource_version;
  std::string continue_token;
  std::optional<std::int64_t> remaining;  // items left after this page, when known
};

struct DeleteOptions {
  std::optional<std::int64_t> grace_period_seconds;
  std::string precondition_uid;
  std::string precondition_resource_version;
  bool dry_run = false;
};

struct DeleteOutcome {
  nlohmann::json object;  // as it was deleted, or as it is now while the deletion is pending
  bool deleted = false;   // false: graceful deletion or finalizers hold it for now
};

struct WatchEvent {
  std::string type;  // "ADDED", "MODIFIED", "DELETED" or "ERROR" (object is then a Status)
  nlohmann::json object;
};
using WatchSink = std::function<void(const WatchEvent&)>;

class Registry {
 public:
  Registry(storage::Store& store, const ResourceTable& table,
           std::function<std::chrono::system_clock::time_point()> clock =
               std::chrono::system_clock::now);

  // Creates the namespace unless it exists: the server's own ones at start.
  void EnsureNamespace(const std::string& name);

  nlohmann::json Create(const Resource& resource, const std::string& ns, nlohmann::json object,
                        bool dry_run = false);
  nlohmann::json Get(const Resource& resource, const std::string& ns, const std::string& name);
  ObjectList List(const Resource& resource, const std::string& ns, const ListOptions& options);

  // PUT of the object ("" subresource) or of its status ("status"). A resourceVersion in
  // `object` must be the current one (409 otherwise); without one the write is unconditional.
  nlohmann::json Update(const Resource& resource, const std::string& ns, const std::string& name,
                        nlohmann::json object, const std::string& subresource,
                        bool dry_run = false);
  // PATCH: `patch` turns the current object (its resourceVersion included) into the wanted
  // one; retried on a concurrent write unless the wanted object names a resourceVersion.
  nlohmann::json Patch(const Resource& resource, const std::string& ns, const std::string& name,
                       const std::function<nlohmann::json(const nlohmann::json&)>& patch,
                       const std::string& subresource, bool dry_run = false);

  DeleteOutcome Delete(const Resource& resource, const std::string& ns, const std::string& name,
                       const DeleteOptions& options);
  // Deletes every object the filter selects, one by one as DELETE would; returns them.
  std::vector<nlohmann::json> DeleteCollection(const Resource& resource, const std::string& ns,
                                               const ListOptions& selection,
                                               const DeleteOptions& options);

  // Binds a pod to the node a v1 Binding names.
  void Bind(const std::string& ns, const std::string& pod, const nlohmann::json& binding);

  // Events for matching objects. With resource_version "" or "0" the current objects come
  // first as ADDED; with a number, the changes after it (an ERROR event carrying 410 when that
  // is no longer kept). Then one BOOKMARK whose object carries only the revision the changes
  // start after, possibly after the first changes and from another thread; and PROGRESS, with
  // the same kind of object, for each change the filter hides. Callers decide what clients see
  // of both. An object that stops matching the filter is reported DELETED, one that starts
  // matching ADDED. `sink` runs on a store thread, one event at a time, apart from the
  // initial objects and the BOOKMARK, which come from the calling thread.
  std::unique_ptr<storage::WatchHandle> Watch(const Resource& resource, const std::string& ns,
                                              const ListOptions& options, WatchSink sink);

  const ResourceTable& table() const { return table_; }

 private:
  std::string Key(const Resource& resource, const std::string& ns, const std::string& name) const;
  std::string Prefix(const Resource& resource, const std::string& ns) const;
  nlohmann::json Decode(const Resource& resource, const storage::KeyValue& kv) const;
  nlohmann::json Decode(const Resource& resource, const std::string& value,
                        storage::Revision mod_revision) const;
  nlohmann::json Read(const Resource& resource, const std::string& ns, const std::string& name,
                      storage::Revision* mod_revision);
  void RequireWritableNamespace(const std::string& ns);
  nlohmann::json PrepareUpdate(const Resource& resource, const std::string& name,
                               const std::string& subresource, const nlohmann::json& current,
                               nlohmann::json wanted);
  nlohmann::json GuaranteedUpdate(
      const Resource& resource, const std::string& ns, const std::string& name,
      const std::string& subresource, bool dry_run,
      const std::function<nlohmann::json(const nlohmann::json&)>& transform);
  void DeleteNamespaceContents(const std::string& ns);

  storage::Store& store_;
  const ResourceTable& table_;
  std::function<std::chrono::system_clock::time_point()> clock_;
};

}  // namespace hostlet::apiserver
