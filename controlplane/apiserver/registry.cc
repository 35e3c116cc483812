#include "controlplane/apiserver/registry.h"

#include "controlplane/apiserver/api_status.h"
#include "controlplane/apiserver/base64.h"
#include "controlplane/apiserver/kind_rules.h"
#include "controlplane/apiserver/object_meta.h"

#include <set>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;
using storage::ErrorCode;
using storage::Revision;
using storage::StorageError;

// Namespaces the cluster cannot do without; deleting them is refused, as Kubernetes does.
const std::set<std::string> kSystemNamespaces = {"default", "kube-system", "kube-public",
                                                 "kube-node-lease"};

constexpr int kUpdateAttempts = 16;

bool Is(const Resource& resource, const char* group, const char* name) {
  return resource.group == group && resource.name == name;
}

const json& Metadata(const json& object) {
  static const json kEmpty = json::object();
  auto found = object.find("metadata");
  return found != object.end() && found->is_object() ? *found : kEmpty;
}

std::string MetaString(const json& object, const char* field) {
  const json& metadata = Metadata(object);
  auto found = metadata.find(field);
  return found != metadata.end() && found->is_string() ? found->get<std::string>() : "";
}

// A precondition of a delete or a binding that does not hold: 409, in the apiserver's words.
ApiError UidPreconditionFailed(const Resource& resource, const std::string& name,
                               const std::string& wanted, const std::string& found) {
  return Conflict(
      resource.group, resource.name, name,
      "Precondition failed: UID in precondition: " + wanted + ", UID in object meta: " + found);
}

ApiError VersionPreconditionFailed(const Resource& resource, const std::string& name,
                                   const std::string& wanted, Revision found) {
  return Conflict(resource.group, resource.name, name,
                  "Precondition failed: ResourceVersion in precondition: " + wanted +
                      ", ResourceVersion in meta: " + std::to_string(found));
}

bool HasFinalizers(const json& object) {
  const json& metadata = Metadata(object);
  auto found = metadata.find("finalizers");
  return found != metadata.end() && found->is_array() && !found->empty();
}

bool HasStatusSubresource(const Resource& resource) {
  return resource.FindSubresource("status") != nullptr;
}

Revision ParseRevision(const std::string& text, const char* what) {
  try {
    size_t used = 0;
    long long value = std::stoll(text, &used);
    if (used == text.size() && value >= 0) return value;
  } catch (const std::exception&) {
  }
  throw ApiException(BadRequest(std::string(what) + " \"" + text + "\" is not a resource version"));
}

// The continue token Kubernetes hands out: where the next page starts and the revision every
// page is read at.
std::string EncodeContinue(Revision revision, const std::string& last_key) {
  return Base64Encode(json{{"v", "meta.k8s.io/v1"}, {"rv", revision}, {"start", last_key}}.dump());
}

std::pair<Revision, std::string> DecodeContinue(const std::string& token) {
  auto decoded = Base64Decode(token);
  json parsed = decoded ? json::parse(*decoded, nullptr, false) : json();
  if (!parsed.is_object() || !parsed.contains("rv") || !parsed["rv"].is_number_integer() ||
      !parsed.contains("start") || !parsed["start"].is_string()) {
    throw ApiException(
        BadRequest("continue key is not valid: incorrect encoded start "
                   "resourceVersion (version meta.k8s.io/v1)"));
  }
  return {parsed["rv"].get<Revision>(), parsed["start"].get<std::string>()};
}

ApiError ContinueExpired() {
  return Expired(
      "The provided continue parameter is too old to display a consistent list result. You can "
      "start a new list without the continue parameter, or use the continue token in this "
      "response to retrieve the remainder of the results. Continuing with the provided token "
      "results in an inconsistent list - objects that were created, modified, or deleted between "
      "the time the first chunk was returned and now may show up in the list.");
}

std::string EventTypeName(storage::EventType type) {
  switch (type) {
    case storage::EventType::kAdded:
      return "ADDED";
    case storage::EventType::kModified:
      return "MODIFIED";
    case storage::EventType::kDeleted:
      return "DELETED";
    case storage::EventType::kError:
      return "ERROR";
  }
  return "ERROR";
}

class NoWatch : public storage::WatchHandle {};

}  // namespace

Registry::Registry(storage::Store& store, const ResourceTable& table,
                   std::function<std::chrono::system_clock::time_point()> clock)
    : store_(store), table_(table), clock_(std::move(clock)) {}

std::string Registry::Prefix(const Resource& resource, const std::string& ns) const {
  std::string prefix =
      "/registry/" + (resource.group.empty() ? "core" : resource.group) + "/" + resource.name + "/";
  if (resource.namespaced && !ns.empty()) prefix += ns + "/";
  return prefix;
}

std::string Registry::Key(const Resource& resource, const std::string& ns,
                          const std::string& name) const {
  return Prefix(resource, ns) + name;
}

json Registry::Decode(const Resource& resource, const storage::KeyValue& kv) const {
  return Decode(resource, kv.value, kv.mod_revision);
}

json Registry::Decode(const Resource& resource, const std::string& value,
                      Revision mod_revision) const {
  json object = json::parse(value);
  object["apiVersion"] = resource.GroupVersion();
  object["kind"] = resource.kind;
  object["metadata"]["resourceVersion"] = std::to_string(mod_revision);
  return object;
}

namespace {

// The stored form has no resourceVersion: the store's revision is the version. Strips it in
// place rather than from a copy, as the object is the size of a whole pod or more; callers put
// the new one back with WithRevision.
std::string Encode(json& object) {
  auto metadata = object.find("metadata");
  if (metadata != object.end() && metadata->is_object()) metadata->erase("resourceVersion");
  return object.dump();
}

json WithRevision(json object, Revision revision) {
  object["metadata"]["resourceVersion"] = std::to_string(revision);
  return object;
}

}  // namespace

json Registry::Read(const Resource& resource, const std::string& ns, const std::string& name,
                    Revision* mod_revision) {
  try {
    auto kv = store_.Get(Key(resource, ns, name));
    if (mod_revision != nullptr) *mod_revision = kv.mod_revision;
    return Decode(resource, kv);
  } catch (const StorageError& error) {
    if (error.code() == ErrorCode::kNotFound) {
      throw ApiException(ObjectNotFound(resource.group, resource.name, name));
    }
    throw;
  }
}

json Registry::Get(const Resource& resource, const std::string& ns, const std::string& name) {
  return Read(resource, ns, name, nullptr);
}

void Registry::EnsureNamespace(const std::string& name) {
  const Resource* namespaces = table_.Find("", "v1", "namespaces");
  try {
    Create(*namespaces, "", json{{"metadata", {{"name", name}}}});
  } catch (const ApiException& error) {
    if (error.error().code != 409) throw;
  }
}

void Registry::RequireWritableNamespace(const std::string& ns) {
  const Resource* namespaces = table_.Find("", "v1", "namespaces");
  json object;
  try {
    object = Read(*namespaces, "", ns, nullptr);
  } catch (const ApiException&) {
    throw ApiException(ObjectNotFound("", "namespaces", ns));
  }
  if (object.value("status", json::object()).value("phase", "") == "Terminating") {
    throw ApiException(ApiError{
        403,
        "Forbidden",
        "unable to create new content in namespace " + ns + " because it is being terminated",
        {ns, "", "namespaces", {}}});
  }
}

namespace {

// A body must be an object, and the kind and apiVersion it names, if any, the resource's.
void RequireTypeOf(const Resource& resource, const json& object) {
  if (!object.is_object()) {
    throw ApiException(BadRequest("the body of the request is not an object"));
  }
  if (auto kind = object.find("kind"); kind != object.end() && *kind != resource.kind) {
    throw ApiException(BadRequest("the kind in the body (" + kind->dump() +
                                  ") does not match the kind of the resource (" + resource.kind +
                                  ")"));
  }
  if (auto version = object.find("apiVersion");
      version != object.end() && *version != resource.GroupVersion()) {
    throw ApiException(
        BadRequest("the API version in the data (" +
                   (version->is_string() ? version->get<std::string>() : version->dump()) +
                   ") does not match the expected API version (" + resource.GroupVersion() + ")"));
  }
}

}  // namespace

json Registry::Create(const Resource& resource, const std::string& ns, json object, bool dry_run) {
  RequireTypeOf(resource, object);
  json& metadata = object["metadata"];
  if (!metadata.is_object()) metadata = json::object();
  if (resource.namespaced) {
    std::string given = MetaString(object, "namespace");
    if (!given.empty() && given != ns) {
      throw ApiException(BadRequest(
          "the namespace of the provided object does not match the namespace sent on the "
          "request"));
    }
    metadata["namespace"] = ns;
    RequireWritableNamespace(ns);
  } else {
    metadata.erase("namespace");
  }
  // What only the server assigns.
  for (const char* field :
       {"resourceVersion", "uid", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "generation", "selfLink", "managedFields"}) {
    metadata.erase(field);
  }
  if (HasStatusSubresource(resource) && !Is(resource, "", "nodes")) object.erase("status");
  ApplyDefaults(resource, object);

  std::string generate = MetaString(object, "generateName");
  bool generated = MetaString(object, "name").empty() && !generate.empty();
  // A generated name may collide with an existing one; Kubernetes then fails the request, a
  // few fresh tries make that practically never happen.
  for (int attempt = 0;; ++attempt) {
    if (generated) metadata["name"] = generate.substr(0, 58) + RandomNameSuffix();
    std::string name = MetaString(object, "name");
    auto causes = ValidateObjectMeta(metadata, Is(resource, "", "namespaces"));
    if (generated && !causes.empty()) {
      for (auto& cause : causes) {
        if (cause.field == "metadata.name") cause.field = "metadata.generateName";
      }
    }
    auto object_causes = ValidateObject(resource, object);
    causes.insert(causes.end(), object_causes.begin(), object_causes.end());
    if (!causes.empty()) {
      throw ApiException(Invalid(resource.group, resource.kind, name, std::move(causes)));
    }
    metadata["uid"] = NewUid();
    metadata["creationTimestamp"] = FormatTime(clock_());
    if (TracksGeneration(resource)) metadata["generation"] = 1;
    if (dry_run) return object;
    try {
      Revision revision = store_.Create(Key(resource, ns, name), Encode(object));
      return WithRevision(std::move(object), revision);
    } catch (const StorageError& error) {
      if (error.code() != ErrorCode::kAlreadyExists) throw;
      if (!generated || attempt >= 3) {
        throw ApiException(AlreadyExists(resource.group, resource.name, name));
      }
    }
  }
}

ObjectList Registry::List(const Resource& resource, const std::string& ns,
                          const ListOptions& options) {
  std::string prefix = Prefix(resource, ns);
  Revision at = 0;
  std::string after;
  if (!options.continue_token.empty()) {
    auto [revision, start] = DecodeContinue(options.continue_token);
    at = revision;
    after = prefix + start;
  } else if (!options.resource_version.empty() && options.resource_version != "0" &&
             options.resource_version_match == "Exact") {
    at = ParseRevision(options.resource_version, "resourceVersion");
  }
  ObjectList result;
  std::string last_key;
  bool more = false;
  try {
    // With a filter a page may select fewer than `limit`: read on until it is full, as the
    // Kubernetes apiserver does, so a client's page size means what it says.
    while (true) {
      size_t want = options.limit == 0 ? 0 : options.limit - result.items.size();
      storage::ListResult page =
          store_.List(prefix, want == 0 ? 0 : std::max<size_t>(want, 16), after, at);
      at = page.revision;
      for (size_t i = 0; i < page.items.size(); ++i) {
        const auto& kv = page.items[i];
        json object = Decode(resource, kv);
        if (!options.filter || options.filter(object)) result.items.push_back(std::move(object));
        after = kv.key;
        if (options.limit != 0 && result.items.size() >= options.limit) {
          more = i + 1 < page.items.size() || !page.continue_key.empty();
          break;
        }
      }
      if (options.limit == 0 || result.items.size() >= options.limit || page.continue_key.empty()) {
        break;
      }
    }
  } catch (const StorageError& error) {
    if (error.code() == ErrorCode::kGone) {
      if (!options.continue_token.empty()) throw ApiException(ContinueExpired());
      throw ApiException(Expired("too old resource version: " + options.resource_version + " (" +
                                 std::to_string(store_.CompactedRevision()) + ")"));
    }
    if (error.code() == ErrorCode::kInvalidArgument) {
      throw ApiException(ApiError{504,
                                  "Timeout",
                                  "Too large resource version: " + options.resource_version +
                                      ", current: " + std::to_string(store_.CurrentRevision()),
                                  {}});
    }
    throw;
  }
  result.resource_version = std::to_string(at);
  if (more) {
    result.continue_token = EncodeContinue(at, after.substr(prefix.size()));
    if (!options.filter) {
      result.remaining = static_cast<std::int64_t>(store_.List(prefix, 0, after, at).items.size());
    }
  }
  return result;
}

json Registry::PrepareUpdate(const Resource& resource, const std::string& name,
                             const std::string& subresource, const json& current, json wanted) {
  if (subresource == "binding") {
    if (!wanted.is_object()) {
      throw ApiException(BadRequest("the body of the request is not an object"));
    }
  } else {
    RequireTypeOf(resource, wanted);
  }
  std::string wanted_name = MetaString(wanted, "name");
  if (!wanted_name.empty() && wanted_name != name) {
    throw ApiException(BadRequest("the name of the object (" + wanted_name +
                                  ") does not match the name on the URL (" + name + ")"));
  }
  std::string wanted_ns = MetaString(wanted, "namespace");
  if (!wanted_ns.empty() && wanted_ns != MetaString(current, "namespace")) {
    throw ApiException(BadRequest(
        "the namespace of the provided object does not match the namespace sent on the request"));
  }
  json next;
  if (subresource == "status") {
    // A status write changes the status and nothing else.
    next = current;
    if (wanted.contains("status")) {
      next["status"] = wanted["status"];
    } else {
      next.erase("status");
    }
  } else {
    next = std::move(wanted);
    if (!next["metadata"].is_object()) next["metadata"] = json::object();
    if (HasStatusSubresource(resource) && subresource != "binding") {
      if (current.contains("status")) {
        next["status"] = current["status"];
      } else {
        next.erase("status");
      }
    }
  }
  json& metadata = next["metadata"];
  const json& old = Metadata(current);
  for (const char* field : {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                            "deletionGracePeriodSeconds", "generation"}) {
    if (old.contains(field)) {
      metadata[field] = old[field];
    } else {
      metadata.erase(field);
    }
  }
  metadata.erase("selfLink");
  metadata.erase("managedFields");
  // Finalizers may only be removed once deletion started, never added.
  if (old.contains("deletionTimestamp") && metadata.contains("finalizers") &&
      metadata["finalizers"].is_array()) {
    std::set<std::string> before;
    for (const auto& f : old.value("finalizers", json::array())) before.insert(f.dump());
    for (const auto& f : metadata["finalizers"]) {
      if (!before.count(f.dump())) {
        throw ApiException(Invalid(resource.group, resource.kind, name,
                                   {{"FieldValueForbidden",
                                     "Forbidden: no new finalizers can be added if the object is "
                                     "being deleted, found new finalizers " +
                                         f.dump(),
                                     "metadata.finalizers"}}));
      }
    }
  }
  next["apiVersion"] = resource.GroupVersion();
  next["kind"] = resource.kind;
  ApplyDefaults(resource, next);
  auto causes = ValidateObjectMeta(metadata, Is(resource, "", "namespaces"));
  auto object_causes = ValidateObject(resource, next);
  causes.insert(causes.end(), object_causes.begin(), object_causes.end());
  if (subresource != "binding" && subresource != "status") {
    auto update_causes = ValidateUpdate(resource, next, current);
    causes.insert(causes.end(), update_causes.begin(), update_causes.end());
  }
  if (!causes.empty()) throw ApiException(Invalid(resource.group, resource.kind, name, causes));
  if (TracksGeneration(resource) && current.value("spec", json()) != next.value("spec", json())) {
    metadata["generation"] = old.value("generation", 0) + 1;
  }
  return next;
}

json Registry::GuaranteedUpdate(const Resource& resource, const std::string& ns,
                                const std::string& name, const std::string& subresource,
                                bool dry_run, const std::function<json(const json&)>& transform) {
  std::string key = Key(resource, ns, name);
  for (int attempt = 0;; ++attempt) {
    Revision revision = 0;
    json current = Read(resource, ns, name, &revision);
    json wanted = transform(current);
    if (!wanted.is_object()) throw ApiException(BadRequest("the result is not an object"));
    // A resourceVersion in what the client sent is a precondition on the current one.
    std::string wanted_version = MetaString(wanted, "resourceVersion");
    if (!wanted_version.empty() && wanted_version != std::to_string(revision)) {
      throw ApiException(Conflict(resource.group, resource.name, name,
                                  "the object has been modified; please apply your changes to "
                                  "the latest version and try again"));
    }
    json next = PrepareUpdate(resource, name, subresource, current, std::move(wanted));
    next["metadata"]["resourceVersion"] = std::to_string(revision);
    // An update that changes nothing writes nothing, as in Kubernetes: no new resourceVersion,
    // no watch event.
    if (next == current || dry_run) return next;
    try {
      Revision written = store_.Update(key, Encode(next), revision);
      next = WithRevision(std::move(next), written);
      const json& metadata = Metadata(next);
      // The last finalizer gone from an object whose deletion is due: now it goes.
      if (metadata.contains("deletionTimestamp") && !HasFinalizers(next) &&
          metadata.value("deletionGracePeriodSeconds", 0) == 0) {
        try {
          auto deleted = store_.Delete(key, written);
          next = WithRevision(std::move(next), deleted.revision);
        } catch (const StorageError&) {
          // Someone wrote in between; their write decides.
        }
      }
      return next;
    } catch (const StorageError& error) {
      if (error.code() == ErrorCode::kNotFound) {
        throw ApiException(ObjectNotFound(resource.group, resource.name, name));
      }
      if (error.code() != ErrorCode::kConflict || attempt + 1 >= kUpdateAttempts) throw;
    }
  }
}

json Registry::Update(const Resource& resource, const std::string& ns, const std::string& name,
                      json object, const std::string& subresource, bool dry_run) {
  return GuaranteedUpdate(resource, ns, name, subresource, dry_run,
                          [&](const json&) { return object; });
}

json Registry::Patch(const Resource& resource, const std::string& ns, const std::string& name,
                     const std::function<json(const json&)>& patch, const std::string& subresource,
                     bool dry_run) {
  return GuaranteedUpdate(resource, ns, name, subresource, dry_run, patch);
}

// As the Kubernetes apiserver binds: a direct update of the stored pod (the pod was validated
// when written, so it is not validated again), with the Binding's uid and resourceVersion as
// preconditions and its annotations copied onto the pod. The scheduler binds every pod it
// places through here, so it reads, parses and writes the pod once and copies nothing.
void Registry::Bind(const std::string& ns, const std::string& pod, const json& binding) {
  const Resource& pods = *table_.Find("", "v1", "pods");
  std::string node;
  if (auto target = binding.find("target"); target != binding.end()) {
    auto name = target->find("name");
    if (name != target->end() && name->is_string()) node = name->get<std::string>();
  }
  if (node.empty()) {
    throw ApiException(
        Invalid("", "Binding", pod, {{"FieldValueRequired", "Required value", "target.name"}}));
  }
  std::string want_uid = MetaString(binding, "uid");
  std::string want_version = MetaString(binding, "resourceVersion");
  const json& binding_meta = Metadata(binding);
  auto annotations = binding_meta.find("annotations");
  bool has_annotations = annotations != binding_meta.end() && !annotations->is_null();
  bool strings = !has_annotations || annotations->is_object();
  if (has_annotations && annotations->is_object()) {
    for (const auto& value : *annotations) strings = strings && value.is_string();
  }
  if (!strings) {
    throw ApiException(
        Invalid("", "Binding", pod,
                {{"FieldValueTypeInvalid", "must be a map of strings", "metadata.annotations"}}));
  }
  std::string key = Key(pods, ns, pod);
  for (int attempt = 0;; ++attempt) {
    Revision revision = 0;
    json object = Read(pods, ns, pod, &revision);
    json& metadata = object["metadata"];
    std::string uid = MetaString(object, "uid");
    if (!want_uid.empty() && want_uid != uid) {
      throw ApiException(UidPreconditionFailed(pods, pod, want_uid, uid));
    }
    if (!want_version.empty() && want_version != std::to_string(revision)) {
      throw ApiException(VersionPreconditionFailed(pods, pod, want_version, revision));
    }
    json& spec = object["spec"];
    if (!spec.is_object()) spec = json::object();
    std::string bound = spec.value("nodeName", "");
    if (!bound.empty()) {
      throw ApiException(Conflict("", "pods/binding", pod,
                                  "pod " + pod + " is already assigned to node \"" + bound + "\""));
    }
    if (metadata.contains("deletionTimestamp")) {
      throw ApiException(Conflict("", "pods/binding", pod, "pod " + pod + " is being deleted"));
    }
    spec["nodeName"] = node;
    if (has_annotations) {
      json& pod_annotations = metadata["annotations"];
      if (!pod_annotations.is_object()) pod_annotations = json::object();
      for (const auto& [name, value] : annotations->items()) pod_annotations[name] = value;
    }
    json& status = object["status"];
    if (!status.is_object()) status = json::object();
    json& conditions = status["conditions"];
    if (!conditions.is_array()) conditions = json::array();
    json scheduled = {{"type", "PodScheduled"},
                      {"status", "True"},
                      {"lastProbeTime", nullptr},
                      {"lastTransitionTime", FormatTime(clock_())}};
    bool replaced = false;
    for (auto& condition : conditions) {
      if (condition.is_object() && condition.value("type", "") == "PodScheduled") {
        condition = scheduled;
        replaced = true;
      }
    }
    if (!replaced) conditions.push_back(std::move(scheduled));
    try {
      store_.Update(key, Encode(object), revision);
      return;
    } catch (const StorageError& error) {
      if (error.code() == ErrorCode::kNotFound) {
        throw ApiException(ObjectNotFound("", "pods", pod));
      }
      if (error.code() != ErrorCode::kConflict || attempt + 1 >= kUpdateAttempts) throw;
    }
  }
}

DeleteOutcome Registry::Delete(const Resource& resource, const std::string& ns,
                               const std::string& name, const DeleteOptions& options) {
  if (Is(resource, "", "namespaces") && kSystemNamespaces.count(name)) {
    throw ApiException(ApiError{403,
                                "Forbidden",
                                "namespaces \"" + name +
                                    "\" is forbidden: this namespace may "
                                    "not be deleted",
                                {name, "", "namespaces", {}}});
  }
  std::string key = Key(resource, ns, name);
  for (int attempt = 0;; ++attempt) {
    Revision revision = 0;
    json current = Read(resource, ns, name, &revision);
    std::string uid = MetaString(current, "uid");
    if (!options.precondition_uid.empty() && options.precondition_uid != uid) {
      throw ApiException(UidPreconditionFailed(resource, name, options.precondition_uid, uid));
    }
    if (!options.precondition_resource_version.empty() &&
        options.precondition_resource_version != std::to_string(revision)) {
      throw ApiException(VersionPreconditionFailed(
          resource, name, options.precondition_resource_version, revision));
    }
    const json& metadata = Metadata(current);
    std::int64_t grace = 0;
    if (Is(resource, "", "pods")) {
      // A pod on a node is deleted gracefully: marked now, removed when the node agent has
      // stopped it and confirms with a zero grace period.
      const json spec = current.value("spec", json::object());
      std::string phase = current.value("status", json::object()).value("phase", "");
      bool running_somewhere =
          !spec.value("nodeName", "").empty() && phase != "Succeeded" && phase != "Failed";
      grace = options.grace_period_seconds.value_or(
          spec.value("terminationGracePeriodSeconds", std::int64_t{30}));
      if (grace < 0) grace = 1;
      if (!running_somewhere) grace = 0;
      if (metadata.contains("deletionGracePeriodSeconds")) {
        grace = std::min(grace, metadata["deletionGracePeriodSeconds"].get<std::int64_t>());
      }
    }
    if (Is(resource, "", "namespaces")) {
      // Terminating first so nothing new lands in it, then its contents go.
      json marked = current;
      marked["status"]["phase"] = "Terminating";
      if (!metadata.contains("deletionTimestamp")) {
        marked["metadata"]["deletionTimestamp"] = FormatTime(clock_());
        marked["metadata"]["deletionGracePeriodSeconds"] = 0;
      }
      if (options.dry_run) return {marked, false};
      if (marked != current) {
        try {
          revision = store_.Update(key, Encode(marked), revision);
          marked = WithRevision(std::move(marked), revision);
        } catch (const StorageError& error) {
          if (error.code() == ErrorCode::kConflict && attempt + 1 < kUpdateAttempts) continue;
          throw;
        }
      }
      DeleteNamespaceContents(name);
      try {
        auto deleted = store_.Delete(key, 0);
        return {WithRevision(marked, deleted.revision), true};
      } catch (const StorageError& error) {
        if (error.code() == ErrorCode::kNotFound) return {marked, true};
        throw;
      }
    }
    if (grace > 0 || HasFinalizers(current)) {
      json marked = current;
      if (!metadata.contains("deletionTimestamp")) {
        marked["metadata"]["deletionTimestamp"] =
            FormatTime(clock_() + std::chrono::seconds(grace));
      }
      marked["metadata"]["deletionGracePeriodSeconds"] = grace;
      if (marked == current || options.dry_run) return {marked, false};
      try {
        Revision written = store_.Update(key, Encode(marked), revision);
        return {WithRevision(std::move(marked), written), false};
      } catch (const StorageError& error) {
        if (error.code() == ErrorCode::kConflict && attempt + 1 < kUpdateAttempts) continue;
        throw;
      }
    }
    if (options.dry_run) return {current, true};
    try {
      auto deleted = store_.Delete(key, revision);
      return {WithRevision(std::move(current), deleted.revision), true};
    } catch (const StorageError& error) {
      if (error.code() == ErrorCode::kConflict && attempt + 1 < kUpdateAttempts) continue;
      if (error.code() == ErrorCode::kNotFound) {
        throw ApiException(ObjectNotFound(resource.group, resource.name, name));
      }
      throw;
    }
  }
}

void Registry::DeleteNamespaceContents(const std::string& ns) {
  for (const auto& resource : table_.resources()) {
    if (!resource.namespaced) continue;
    for (const auto& kv : store_.List(Prefix(resource, ns)).items) {
      try {
        store_.Delete(kv.key, 0);
      } catch (const StorageError& error) {
        if (error.code() != ErrorCode::kNotFound) throw;
      }
    }
  }
}

std::vector<json> Registry::DeleteCollection(const Resource& resource, const std::string& ns,
                                             const ListOptions& selection,
                                             const DeleteOptions& options) {
  std::vector<json> deleted;
  ListOptions all = selection;
  all.limit = 0;
  all.continue_token.clear();
  for (const auto& object : List(resource, ns, all).items) {
    try {
      deleted.push_back(
          Delete(resource, MetaString(object, "namespace"), MetaString(object, "name"), options)
              .object);
    } catch (const ApiException& error) {
      if (error.error().code != 404) throw;
    }
  }
  return deleted;
}

std::unique_ptr<storage::WatchHandle> Registry::Watch(const Resource& resource,
                                                      const std::string& ns,
                                                      const ListOptions& options, WatchSink sink) {
  std::string prefix = Prefix(resource, ns);
  auto filter = options.filter;
  // Keys the client has been told exist, kept only when a filter can make objects come and go.
  auto present = std::make_shared<std::set<std::string>>();
  auto expired = [&](const std::string& why) {
    sink({"ERROR", Expired(why).ToStatus()});
    return std::make_unique<NoWatch>();
  };
  Revision from = 0;
  try {
    if (options.resource_version.empty() || options.resource_version == "0") {
      auto list = store_.List(prefix);
      for (const auto& kv : list.items) {
        json object = Decode(resource, kv);
        if (filter && !filter(object)) continue;
        if (filter) present->insert(kv.key);
        sink({"ADDED", std::move(object)});
      }
      from = list.revision;
    } else {
      from = ParseRevision(options.resource_version, "resourceVersion");
      if (from > store_.CurrentRevision()) {
        throw ApiException(ApiError{504,
                                    "Timeout",
                                    "Too large resource version: " + options.resource_version +
                                        ", current: " + std::to_string(store_.CurrentRevision()),
                                    {}});
      }
      if (filter) {
        for (const auto& kv : store_.List(prefix, 0, "", from).items) {
          if (filter(Decode(resource, kv))) present->insert(kv.key);
        }
      }
    }
    auto progress = [&resource](const char* type, storage::Revision revision) {
      return WatchEvent{type,
                        {{"kind", resource.kind},
                         {"apiVersion", resource.GroupVersion()},
                         {"metadata", {{"resourceVersion", std::to_string(revision)}}}}};
    };
    auto handle = store_.Watch(
        prefix, from,
        [this, resource, filter, present, sink, progress](const storage::Event& event) {
          if (event.type == storage::EventType::kError) {
            sink({"ERROR", Expired(event.error).ToStatus()});
            return;
          }
          json object = Decode(resource, event.value, event.mod_revision);
          if (!filter) {
            sink({EventTypeName(event.type), std::move(object)});
            return;
          }
          bool was = present->count(event.key) > 0;
          bool now = event.type != storage::EventType::kDeleted && filter(object);
          if (now) present->insert(event.key);
          if (!now) present->erase(event.key);
          if (was && now) {
            sink({"MODIFIED", std::move(object)});
          } else if (now) {
            sink({"ADDED", std::move(object)});
          } else if (was) {
            sink({"DELETED", std::move(object)});
          } else {
            // Nothing for this client, but it has now seen everything up
            // to here: its bookmarks may say so.
            sink(progress("PROGRESS", event.mod_revision));
          }
        });
    // Only once the store watch exists: a watch refused (compacted) gets no bookmark.
    sink(progress("BOOKMARK", from));
    return handle;
  } catch (const StorageError& error) {
    if (error.code() == ErrorCode::kGone) {
      return expired("too old resource version: " + options.resource_version + " (" +
                     std::to_string(store_.CompactedRevision()) + ")");
    }
    throw;
  }
}

}  // namespace hostlet::apiserver
