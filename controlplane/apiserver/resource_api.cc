#include "controlplane/apiserver/resource_api.h"

#include "controlplane/apiserver/api_status.h"
#include "controlplane/apiserver/content_negotiation.h"
#include "controlplane/apiserver/field_validation.h"
#include "controlplane/apiserver/list_filter.h"
#include "controlplane/apiserver/protobuf_body.h"
#include "controlplane/apiserver/query.h"
#include "controlplane/apiserver/strategic_merge_patch.h"
#include "controlplane/apiserver/table.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;

struct Target {
  const Resource* resource = nullptr;
  std::string ns;  // empty for cluster-scoped resources and lists across namespaces
  std::string name;
  std::string subresource;
};

Target ParseTarget(const ResourceTable& table, const std::string& group, const std::string& version,
                   const std::string& rest) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < rest.size()) {
    size_t end = rest.find('/', start);
    if (end == std::string::npos) end = rest.size();
    if (end > start) parts.push_back(rest.substr(start, end - start));
    start = end + 1;
  }
  // "namespaces/<ns>/status" is the namespace's own subresource, not a resource in it.
  bool in_namespace = parts.size() >= 3 && parts[0] == "namespaces" &&
                      !(parts.size() == 3 && table.Find(group, version, parts[2]) == nullptr);
  size_t first = in_namespace ? 2 : 0;
  ApiError not_found = NotFound("the server could not find the requested resource");
  if (parts.size() <= first || parts.size() > first + 3) throw ApiException(not_found);
  Target target;
  target.resource = table.Find(group, version, parts[first]);
  if (target.resource == nullptr || (in_namespace && !target.resource->namespaced)) {
    throw ApiException(not_found);
  }
  if (in_namespace) target.ns = parts[1];
  if (parts.size() > first + 1) target.name = parts[first + 1];
  if (parts.size() == first + 3) {
    target.subresource = parts[first + 2];
    if (target.resource->FindSubresource(target.subresource) == nullptr) {
      throw ApiException(not_found);
    }
  }
  // A namespaced object is always addressed inside its namespace.
  if (target.resource->namespaced && !target.name.empty() && target.ns.empty()) {
    throw ApiException(not_found);
  }
  return target;
}

// How the client wants objects: as JSON, or as the Table kubectl prints.
enum class Output { kJson, kTable };

Output Negotiate(const Request& request) {
  std::string accept = request.Header("accept");
  if (accept.empty()) return Output::kJson;
  for (const auto& media : ParseAccept(accept)) {
    if (media.quality <= 0) continue;
    bool json_type =
        media.type == "application/json" || media.type == "*/*" || media.type == "application/*";
    if (!json_type) continue;
    if (media.as.empty()) return Output::kJson;
    if (media.as == "Table" && media.group == "meta.k8s.io" &&
        (media.version == "v1" || media.version == "v1beta1")) {
      return Output::kTable;
    }
  }
  throw ApiException(
      NotAcceptable("only the following media types are accepted: application/json, "
                    "application/json;as=Table;v=v1;g=meta.k8s.io"));
}

std::string MediaTypeOf(const Request& request) {
  std::string type = request.Header("content-type");
  auto semicolon = type.find(';');
  if (semicolon != std::string::npos) type = type.substr(0, semicolon);
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type;
}

json ParseBody(const Request& request) {
  std::string type = MediaTypeOf(request);
  if (type == kProtobufMediaType) return DecodeProtobufObject(request.body);
  if (!type.empty() && type != "application/json" && type != "*/*") {
    throw ApiException(UnsupportedMediaType(type));
  }
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded()) {
    throw ApiException(BadRequest("the request body is not valid JSON"));
  }
  if (!body.is_object()) throw ApiException(BadRequest("the request body is not a JSON object"));
  return body;
}

Response JsonResponse(int status, const json& body) {
  Response response;
  response.status = status;
  response.body = body.dump();
  return response;
}

bool DryRun(const Query& query) {
  auto found = query.find("dryRun");
  if (found == query.end() || found->second.empty()) return false;
  if (found->second != "All") {
    throw ApiException(BadRequest("dryRun: Unsupported value: \"" + found->second +
                                  "\": supported values: \"All\""));
  }
  return true;
}

std::string Param(const Query& query, const std::string& name) {
  auto found = query.find(name);
  return found == query.end() ? "" : found->second;
}

ListOptions ListOptionsFrom(const Resource& resource, const Query& query) {
  ListOptions options;
  options.filter =
      MakeListFilter(resource, Param(query, "labelSelector"), Param(query, "fieldSelector"));
  if (auto limit = Param(query, "limit"); !limit.empty()) {
    try {
      long long value = std::stoll(limit);
      if (value > 0) options.limit = static_cast<size_t>(value);
    } catch (const std::exception&) {
      throw ApiException(BadRequest("limit \"" + limit + "\" is not a number"));
    }
  }
  options.continue_token = Param(query, "continue");
  options.resource_version = Param(query, "resourceVersion");
  options.resource_version_match = Param(query, "resourceVersionMatch");
  return options;
}

TableOptions TableOptionsFrom(const Query& query) {
  TableOptions options;
  options.now = std::chrono::system_clock::now();
  std::string include = Param(query, "includeObject");
  auto parsed = ParseIncludeObject(include);
  if (!parsed) {
    throw ApiException(BadRequest("includeObject: Unsupported value: \"" + include +
                                  "\": supported values: \"None\", \"Metadata\", \"Object\""));
  }
  options.include = *parsed;
  return options;
}

json AsTable(const Resource& resource, std::vector<json> objects, const Query& query) {
  return ToTable(resource.group, resource.name, objects, TableOptionsFrom(query));
}

Response GetObject(Registry& registry, const Target& target, const Request& request,
                   const Query& query) {
  json object = registry.Get(*target.resource, target.ns, target.name);
  if (Negotiate(request) == Output::kTable) {
    json table = AsTable(*target.resource, {object}, query);
    table["metadata"]["resourceVersion"] = object["metadata"]["resourceVersion"];
    return JsonResponse(200, table);
  }
  return JsonResponse(200, object);
}

Response ListObjects(Registry& registry, const Target& target, const Request& request,
                     const Query& query) {
  const Resource& resource = *target.resource;
  ObjectList list = registry.List(resource, target.ns, ListOptionsFrom(resource, query));
  json metadata = {{"resourceVersion", list.resource_version}};
  if (!list.continue_token.empty()) metadata["continue"] = list.continue_token;
  if (list.remaining) metadata["remainingItemCount"] = *list.remaining;
  if (Negotiate(request) == Output::kTable) {
    json table = AsTable(resource, std::move(list.items), query);
    table["metadata"] = metadata;
    return JsonResponse(200, table);
  }
  json items = json::array();
  for (auto& item : list.items) items.push_back(std::move(item));
  return JsonResponse(200, {{"kind", resource.kind + "List"},
                            {"apiVersion", resource.GroupVersion()},
                            {"metadata", metadata},
                            {"items", std::move(items)}});
}

// Kubernetes ends a watch after a random time between its minimum request timeout and twice
// that, so that clients do not all come back at once.
std::chrono::seconds WatchTimeout(const Query& query) {
  if (auto text = Param(query, "timeoutSeconds"); !text.empty()) {
    try {
      long long seconds = std::stoll(text);
      if (seconds > 0) return std::chrono::seconds(std::min(seconds, 24LL * 3600));
    } catch (const std::exception&) {
      throw ApiException(BadRequest("timeoutSeconds \"" + text + "\" is not a number"));
    }
  }
  thread_local std::mt19937 random{std::random_device{}()};
  return std::chrono::seconds(std::uniform_int_distribution<int>(1800, 3600)(random));
}

bool IsTrue(const std::string& value) { return value == "true" || value == "1"; }

// What a watch asked of bookmarks: none, periodic ones (allowWatchBookmarks), and the one that
// marks the end of the initial state (sendInitialEvents, the watch-list protocol), checked as
// upstream checks ListOptions.
struct BookmarkOptions {
  bool allow = false;
  bool send_initial_events = false;
};

BookmarkOptions BookmarkOptionsFrom(const Query& query) {
  BookmarkOptions options;
  options.allow = IsTrue(Param(query, "allowWatchBookmarks"));
  options.send_initial_events = IsTrue(Param(query, "sendInitialEvents"));
  std::string match = Param(query, "resourceVersionMatch");
  std::vector<StatusCause> causes;
  if (options.send_initial_events) {
    if (!options.allow) {
      causes.push_back({"FieldValueForbidden",
                        "Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true",
                        "allowWatchBookmarks"});
    }
    if (match != "NotOlderThan") {
      causes.push_back(
          {"FieldValueForbidden",
           "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
           "resourceVersionMatch"});
    }
  } else if (!match.empty()) {
    causes.push_back(
        {"FieldValueForbidden",
         "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is "
         "provided",
         "resourceVersionMatch"});
  }
  if (!causes.empty()) throw ApiException(Invalid("meta.k8s.io", "ListOptions", "", causes));
  return options;
}

// What the client of one watch has been sent. A piece and the revision it completes are
// recorded under one lock, and a bookmark is written under it too, so bookmarks are queued in
// order with the events: never ahead of one, never going backwards.
struct WatchProgress {
  std::mutex mutex;
  std::shared_ptr<BodyStream> body;
  bool started = false;  // the registry's start bookmark has come
  std::int64_t delivered = 0;
};

Response WatchObjects(Registry& registry, const Target& target, const Request& request,
                      const Query& query) {
  const Resource& resource = *target.resource;
  ListOptions options = ListOptionsFrom(resource, query);
  BookmarkOptions bookmarks = BookmarkOptionsFrom(query);
  // The initial state at a revision not older than the one asked for: the newest is.
  if (bookmarks.send_initial_events) {
    options.resource_version.clear();
    options.resource_version_match.clear();
  }
  if (!target.name.empty()) {
    // A watch of one object is a watch of the collection selecting it by name.
    auto by_name = options.filter;
    std::string name = target.name;
    options.filter = [by_name, name](const json& object) {
      return object["metadata"].value("name", "") == name && (!by_name || by_name(object));
    };
  }
  bool table = Negotiate(request) == Output::kTable;
  auto table_options = TableOptionsFrom(query);
  Response response;
  response.stream_timeout = WatchTimeout(query);
  auto progress = std::make_shared<WatchProgress>();
  auto bookmark = [&resource](std::int64_t revision) {
    return json{{"kind", resource.kind},
                {"apiVersion", resource.GroupVersion()},
                {"metadata", {{"resourceVersion", std::to_string(revision)}}}};
  };
  if (bookmarks.allow) {
    response.tick = [progress, bookmark] {
      std::lock_guard lock(progress->mutex);
      if (!progress->started || !progress->body) return;
      progress->body->Write(
          json{{"type", "BOOKMARK"}, {"object", bookmark(progress->delivered)}}.dump() + "\n");
    };
  }
  response.stream = [&registry, &resource, ns = target.ns, options, table, table_options, bookmarks,
                     progress,
                     bookmark](std::shared_ptr<BodyStream> body) -> std::shared_ptr<void> {
    {
      std::lock_guard lock(progress->mutex);
      progress->body = body;
    }
    auto sink = [body, table, table_options, &resource, bookmarks, progress,
                 bookmark](const WatchEvent& event) {
      std::lock_guard lock(progress->mutex);
      if (event.type == "ERROR") {
        body->Write(json{{"type", event.type}, {"object", event.object}}.dump() + "\n");
        return body->End();
      }
      // The initial objects are older than the start bookmark and the store delivers changes
      // in revision order, so the largest revision seen is one the client has all events of.
      std::int64_t revision = std::stoll(event.object["metadata"].value("resourceVersion", "0"));
      progress->delivered = std::max(progress->delivered, revision);
      if (event.type == "PROGRESS") return;
      if (event.type == "BOOKMARK") {
        progress->started = true;
        if (bookmarks.send_initial_events) {
          json end = bookmark(progress->delivered);
          end["metadata"]["annotations"] = {{"k8s.io/initial-events-end", "true"}};
          body->Write(json{{"type", "BOOKMARK"}, {"object", std::move(end)}}.dump() + "\n");
        }
        return;
      }
      json object = table ? ToTable(resource.group, resource.name, {event.object}, table_options)
                          : event.object;
      body->Write(json{{"type", event.type}, {"object", std::move(object)}}.dump() + "\n");
    };
    try {
      return std::shared_ptr<storage::WatchHandle>(registry.Watch(resource, ns, options, sink));
    } catch (const ApiException& error) {
      sink({"ERROR", error.error().ToStatus()});
    } catch (const std::exception& error) {
      sink({"ERROR", InternalError(error.what()).ToStatus()});
    }
    return nullptr;
  };
  return response;
}

json ToScale(const json& object) {
  json scale = {{"kind", "Scale"}, {"apiVersion", "autoscaling/v1"}};
  const json& metadata = object["metadata"];
  for (const char* field : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
    if (metadata.contains(field)) scale["metadata"][field] = metadata[field];
  }
  json spec = object.value("spec", json::object());
  scale["spec"]["replicas"] = spec.value("replicas", 0);
  json status = object.value("status", json::object());
  scale["status"]["replicas"] = status.value("replicas", 0);
  // The selector as a string, as autoscaling/v1 carries it.
  std::string selector;
  const json match_labels =
      spec.value("selector", json::object()).value("matchLabels", json::object());
  for (const auto& [key, value] : match_labels.items()) {
    if (!selector.empty()) selector += ",";
    selector += key + "=" + value.get<std::string>();
  }
  scale["status"]["selector"] = selector;
  return scale;
}

// The current object changed as a PATCH body of the request's content type says.
json ApplyPatch(const Resource& resource, const Request& request, const json& current) {
  std::string type = MediaTypeOf(request);
  json patch = json::parse(request.body, nullptr, false);
  if (patch.is_discarded()) throw ApiException(BadRequest("the patch is not valid JSON"));
  try {
    if (type == "application/merge-patch+json") {
      json result = current;
      result.merge_patch(patch);
      return result;
    }
    if (type == "application/json-patch+json") {
      if (!patch.is_array()) {
        throw ApiException(BadRequest("a JSON patch must be an array of operations"));
      }
      return current.patch(patch);
    }
    if (type == "application/strategic-merge-patch+json") {
      if (!patch.is_object()) throw ApiException(BadRequest("the patch must be a JSON object"));
      return StrategicMergePatch(current, patch, resource.group, resource.kind);
    }
  } catch (const PatchError& error) {
    throw ApiException(ApiError{422, "Invalid", error.what(), {}});
  } catch (const json::exception& error) {
    throw ApiException(
        ApiError{422, "Invalid", std::string("the patch cannot be applied: ") + error.what(), {}});
  }
  if (type == "application/apply-patch+yaml") {
    throw ApiException(UnsupportedMediaType(type + " (server-side apply is not supported; use "
                                                   "client-side kubectl apply)"));
  }
  throw ApiException(UnsupportedMediaType(type));
}

DeleteOptions DeleteOptionsFrom(const Request& request, const Query& query) {
  DeleteOptions options;
  if (!request.body.empty()) {
    json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      throw ApiException(BadRequest("the DeleteOptions body is not a JSON object"));
    }
    if (auto grace = body.find("gracePeriodSeconds"); grace != body.end() && !grace->is_null()) {
      if (!grace->is_number_integer())
        throw ApiException(BadRequest("gracePeriodSeconds must be an integer"));
      options.grace_period_seconds = grace->get<std::int64_t>();
    }
    auto preconditions = body.value("preconditions", json::object());
    if (preconditions.is_object()) {
      if (preconditions.contains("uid") && preconditions["uid"].is_string()) {
        options.precondition_uid = preconditions["uid"];
      }
      if (preconditions.contains("resourceVersion") &&
          preconditions["resourceVersion"].is_string()) {
        options.precondition_resource_version = preconditions["resourceVersion"];
      }
    }
    if (auto dry = body.find("dryRun"); dry != body.end() && dry->is_array() && !dry->empty()) {
      options.dry_run = true;
    }
  }
  if (auto grace = Param(query, "gracePeriodSeconds"); !grace.empty()) {
    try {
      options.grace_period_seconds = std::stoll(grace);
    } catch (const std::exception&) {
      throw ApiException(BadRequest("gracePeriodSeconds \"" + grace + "\" is not a number"));
    }
  }
  if (DryRun(query)) options.dry_run = true;
  return options;
}

Response DeleteObject(Registry& registry, const Target& target, const Request& request,
                      const Query& query) {
  const Resource& resource = *target.resource;
  auto outcome =
      registry.Delete(resource, target.ns, target.name, DeleteOptionsFrom(request, query));
  if (!outcome.deleted) return JsonResponse(202, outcome.object);
  if (resource.name == "pods" || resource.name == "namespaces") {
    return JsonResponse(200, outcome.object);
  }
  json details = {{"name", target.name}, {"kind", resource.name}};
  if (!resource.group.empty()) details["group"] = resource.group;
  if (outcome.object["metadata"].contains("uid"))
    details["uid"] = outcome.object["metadata"]["uid"];
  return JsonResponse(200, {{"kind", "Status"},
                            {"apiVersion", "v1"},
                            {"metadata", json::object()},
                            {"status", "Success"},
                            {"details", details}});
}

Response ServeSubresource(Registry& registry, const Target& target, const Request& request,
                          const Query& query) {
  const Resource& resource = *target.resource;
  const std::string& sub = target.subresource;
  const std::string& method = request.method;
  bool dry_run = DryRun(query);
  if (sub == "status" || (sub == "finalize" && method == "PUT")) {
    if (method == "GET") return GetObject(registry, target, request, query);
    FieldValidation fields(query);
    if (method == "PUT") {
      json body = ParseBody(request);
      fields.Check(resource.group, resource.version, resource.kind, body);
      Response response =
          JsonResponse(200, registry.Update(resource, target.ns, target.name, body,
                                            sub == "status" ? "status" : "", dry_run));
      fields.AddWarnings(response);
      return response;
    }
    if (method == "PATCH") {
      Response response = JsonResponse(
          200, registry.Patch(
                   resource, target.ns, target.name,
                   [&](const json& current) {
                     json patched = ApplyPatch(resource, request, current);
                     fields.Check(resource.group, resource.version, resource.kind, patched);
                     return patched;
                   },
                   "status", dry_run));
      fields.AddWarnings(response);
      return response;
    }
  }
  if (sub == "binding" && method == "POST") {
    json binding = ParseBody(request);
    registry.Bind(target.ns, target.name, binding);
    return JsonResponse(201, {{"kind", "Status"},
                              {"apiVersion", "v1"},
                              {"metadata", json::object()},
                              {"status", "Success"},
                              {"code", 201}});
  }
  if (sub == "scale") {
    if (method == "GET") {
      return JsonResponse(200, ToScale(registry.Get(resource, target.ns, target.name)));
    }
    if (method == "PUT" || method == "PATCH") {
      json body = method == "PUT" ? ParseBody(request) : json();
      json updated = registry.Patch(
          resource, target.ns, target.name,
          [&](const json& current) {
            json scale = ToScale(current);
            json wanted = method == "PUT" ? body : ApplyPatch(resource, request, scale);
            const json wanted_spec = wanted.value("spec", json::object());
            auto replicas = wanted_spec.find("replicas");
            if (replicas == wanted_spec.end() || !replicas->is_number_integer() ||
                replicas->get<long long>() < 0) {
              throw ApiException(Invalid(
                  "autoscaling", "Scale", target.name,
                  {{"FieldValueInvalid", "Invalid value: must be greater than or equal to 0",
                    "spec.replicas"}}));
            }
            json next = current;
            next["spec"]["replicas"] = *replicas;
            // The Scale's resourceVersion, if any, is the object's precondition.
            std::string version =
                wanted.value("metadata", json::object()).value("resourceVersion", "");
            next["metadata"]["resourceVersion"] =
                version.empty() ? current["metadata"]["resourceVersion"] : json(version);
            return next;
          },
          "", dry_run);
      return JsonResponse(200, ToScale(updated));
    }
  }
  if (sub == "log") {
    throw ApiException(ServiceUnavailable(
        "pods/log is read from the node agent, which this server reaches only over HTTPS "
        "(with its kubelet-client certificate)",
        {target.name, "", "pods", {}}));
  }
  throw ApiException(MethodNotAllowed(method, request.path));
}

}  // namespace

Response ServeResource(Registry& registry, const Request& request, const std::string& group,
                       const std::string& version, const std::string& rest) {
  // Legacy watch paths, "/api/v1/watch/namespaces/default/pods", are the collection with ?watch.
  bool legacy_watch = rest.starts_with("watch/");
  Target target =
      ParseTarget(registry.table(), group, version, legacy_watch ? rest.substr(6) : rest);
  Query query = ParseQuery(request.query);
  if (legacy_watch) query["watch"] = "true";
  const Resource& resource = *target.resource;
  const std::string& method = request.method;
  if (!target.subresource.empty()) return ServeSubresource(registry, target, request, query);
  bool dry_run = DryRun(query);
  if (target.name.empty()) {
    if (method == "GET") {
      if (IsTrue(Param(query, "watch"))) return WatchObjects(registry, target, request, query);
      return ListObjects(registry, target, request, query);
    }
    if (method == "POST") {
      if (resource.namespaced && target.ns.empty()) {
        throw ApiException(NotFound("the server could not find the requested resource"));
      }
      FieldValidation fields(query);
      json body = ParseBody(request);
      fields.Check(resource.group, resource.version, resource.kind, body);
      Response response = JsonResponse(201, registry.Create(resource, target.ns, body, dry_run));
      fields.AddWarnings(response);
      return response;
    }
    if (method == "DELETE") {
      ListOptions selection = ListOptionsFrom(resource, query);
      json items = json::array();
      for (auto& object : registry.DeleteCollection(resource, target.ns, selection,
                                                    DeleteOptionsFrom(request, query))) {
        items.push_back(std::move(object));
      }
      return JsonResponse(200, {{"kind", resource.kind + "List"},
                                {"apiVersion", resource.GroupVersion()},
                                {"metadata", json::object()},
                                {"items", std::move(items)}});
    }
    throw ApiException(MethodNotAllowed(method, request.path));
  }
  if (method == "GET") {
    if (IsTrue(Param(query, "watch"))) return WatchObjects(registry, target, request, query);
    return GetObject(registry, target, request, query);
  }
  if (method == "PUT" || method == "PATCH") {
    FieldValidation fields(query);
    Response response;
    if (method == "PUT") {
      json body = ParseBody(request);
      fields.Check(resource.group, resource.version, resource.kind, body);
      response =
          JsonResponse(200, registry.Update(resource, target.ns, target.name, body, "", dry_run));
    } else {
      response = JsonResponse(200, registry.Patch(
                                       resource, target.ns, target.name,
                                       [&](const json& current) {
                                         json patched = ApplyPatch(resource, request, current);
                                         fields.Check(resource.group, resource.version,
                                                      resource.kind, patched);
                                         return patched;
                                       },
                                       "", dry_run));
    }
    fields.AddWarnings(response);
    return response;
  }
  if (method == "DELETE") return DeleteObject(registry, target, request, query);
  throw ApiException(MethodNotAllowed(method, request.path));
}

}  // namespace hostlet::apiserver
