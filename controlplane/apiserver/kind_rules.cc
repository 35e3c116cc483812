#include "controlplane/apiserver/kind_rules.h"

#include "controlplane/apiserver/object_meta.h"
#include "controlplane/apiserver/quantity.h"

#include <set>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;

bool Is(const Resource& resource, const char* group, const char* name) {
  return resource.group == group && resource.name == name;
}

// Sets `key` to `value` unless the object already has a non-null value there.
void Default(json& object, const std::string& key, const json& value) {
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) object[key] = value;
}

json& ObjectAt(json& object, const std::string& key) {
  auto& value = object[key];
  if (!value.is_object()) value = json::object();
  return value;
}

std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// "busybox", "busybox:latest" and "busybox@sha256:..." without :latest pull Always otherwise
// IfNotPresent, as Kubernetes defaults.
std::string DefaultPullPolicy(const std::string& image) {
  if (image.find('@') != std::string::npos) return "IfNotPresent";
  auto slash = image.rfind('/');
  auto colon = image.rfind(':');
  bool has_tag = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  if (!has_tag || image.substr(colon + 1) == "latest") return "Always";
  return "IfNotPresent";
}

void DefaultProbe(json& container, const char* name) {
  auto probe = container.find(name);
  if (probe == container.end() || !probe->is_object()) return;
  Default(*probe, "timeoutSeconds", 1);
  Default(*probe, "periodSeconds", 10);
  Default(*probe, "successThreshold", 1);
  Default(*probe, "failureThreshold", 3);
  if (auto http = probe->find("httpGet"); http != probe->end() && http->is_object()) {
    Default(*http, "path", "/");
    Default(*http, "scheme", "HTTP");
  }
}

void DefaultContainer(json& container) {
  if (!container.is_object()) return;
  Default(container, "terminationMessagePath", "/dev/termination-log");
  Default(container, "terminationMessagePolicy", "File");
  if (container.contains("image") && container["image"].is_string()) {
    Default(container, "imagePullPolicy", DefaultPullPolicy(container["image"]));
  }
  Default(container, "resources", json::object());
  if (auto ports = container.find("ports"); ports != container.end() && ports->is_array()) {
    for (auto& port : *ports) {
      if (port.is_object()) Default(port, "protocol", "TCP");
    }
  }
  for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
    DefaultProbe(container, probe);
  }
}

void DefaultPodSpec(json& spec) {
  Default(spec, "restartPolicy", "Always");
  Default(spec, "dnsPolicy", "ClusterFirst");
  Default(spec, "terminationGracePeriodSeconds", 30);
  Default(spec, "schedulerName", "default-scheduler");
  Default(spec, "securityContext", json::object());
  Default(spec, "enableServiceLinks", true);
  for (const char* list : {"initContainers", "containers"}) {
    if (auto containers = spec.find(list); containers != spec.end() && containers->is_array()) {
      for (auto& container : *containers) DefaultContainer(container);
    }
  }
  if (auto volumes = spec.find("volumes"); volumes != spec.end() && volumes->is_array()) {
    for (auto& volume : *volumes) {
      if (!volume.is_object()) continue;
      for (const char* source : {"configMap", "secret", "downwardAPI"}) {
        if (auto found = volume.find(source); found != volume.end() && found->is_object()) {
          Default(*found, "defaultMode", 0644);
        }
      }
    }
  }
}

std::optional<long double> ResourceAmount(const json& resources, const char* which,
                                          const char* name) {
  auto list = resources.find(which);
  if (list == resources.end() || !list->is_object()) return std::nullopt;
  auto value = list->find(name);
  if (value == list->end()) return std::nullopt;
  return QuantityOf(*value);
}

void ValidateProbe(const json& container, const char* name, const std::string& path,
                   std::vector<StatusCause>& causes) {
  auto probe = container.find(name);
  if (probe == container.end() || probe->is_null()) return;
  std::string at = path + "." + name;
  if (!probe->is_object()) {
    causes.push_back({"FieldValueInvalid", "Invalid value: must be an object", at});
    return;
  }
  int handlers = 0;
  for (const char* handler : {"exec", "httpGet", "tcpSocket", "grpc"}) {
    if (probe->contains(handler) && !(*probe)[handler].is_null()) ++handlers;
  }
  if (handlers != 1) {
    causes.push_back({"FieldValueRequired",
                      handlers == 0 ? "Required value: must specify a handler type"
                                    : "Forbidden: may not specify more than 1 handler type",
                      at});
  }
  for (const char* field :
       {"periodSeconds", "timeoutSeconds", "successThreshold", "failureThreshold"}) {
    auto value = probe->find(field);
    if (value == probe->end()) continue;
    if (!value->is_number_integer() || value->get<long long>() < 1) {
      causes.push_back({"FieldValueInvalid",
                        "Invalid value: " + value->dump() + ": must be greater than or equal to 1",
                        at + "." + field});
    }
  }
  if (auto delay = probe->find("initialDelaySeconds");
      delay != probe->end() && (!delay->is_number_integer() || delay->get<long long>() < 0)) {
    causes.push_back({"FieldValueInvalid",
                      "Invalid value: " + delay->dump() + ": must be greater than or equal to 0",
                      at + ".initialDelaySeconds"});
  }
  if (std::string(name) != "readinessProbe") {
    if (auto success = probe->find("successThreshold");
        success != probe->end() && success->is_number_integer() && success->get<long long>() != 1) {
      causes.push_back({"FieldValueInvalid", "Invalid value: " + success->dump() + ": must be 1",
                        at + ".successThreshold"});
    }
  }
}

void ValidateContainer(const json& container, const std::string& path, std::set<std::string>& names,
                       const std::set<std::string>& volumes, std::vector<StatusCause>& causes) {
  if (!container.is_object()) {
    causes.push_back({"FieldValueInvalid", "Invalid value: must be an object", path});
    return;
  }
  std::string name = container.value("name", "");
  if (name.empty()) {
    causes.push_back({"FieldValueRequired", "Required value", path + ".name"});
  } else if (!IsDnsLabel(name)) {
    causes.push_back({"FieldValueInvalid",
                      "Invalid value: \"" + name + "\": " + NameProblem(name, true),
                      path + ".name"});
  } else if (!names.insert(name).second) {
    causes.push_back({"FieldValueDuplicate", "Duplicate value: \"" + name + "\"", path + ".name"});
  }
  auto image = container.find("image");
  if (image == container.end() || !image->is_string() || image->get<std::string>().empty()) {
    causes.push_back({"FieldValueRequired", "Required value", path + ".image"});
  }
  if (auto policy = container.find("imagePullPolicy"); policy != container.end()) {
    static const std::set<std::string> kPolicies = {"Always", "IfNotPresent", "Never"};
    if (!policy->is_string() || !kPolicies.count(policy->get<std::string>())) {
      causes.push_back({"FieldValueNotSupported",
                        "Unsupported value: " + policy->dump() +
                            ": supported values: \"Always\", \"IfNotPresent\", \"Never\"",
                        path + ".imagePullPolicy"});
    }
  }
  if (auto ports = container.find("ports"); ports != container.end() && ports->is_array()) {
    for (size_t i = 0; i < ports->size(); ++i) {
      const auto& port = (*ports)[i];
      auto number = port.find("containerPort");
      if (number == port.end() || !number->is_number_integer() || number->get<long long>() < 1 ||
          number->get<long long>() > 65535) {
        causes.push_back(
            {"FieldValueInvalid",
             "Invalid value: " + (number == port.end() ? std::string("0") : number->dump()) +
                 ": must be between 1 and 65535, inclusive",
             Index(path + ".ports", i) + ".containerPort"});
      }
    }
  }
  if (auto resources = container.find("resources");
      resources != container.end() && resources->is_object()) {
    for (const char* which : {"requests", "limits"}) {
      auto list = resources->find(which);
      if (list == resources->end() || list->is_null()) continue;
      if (!list->is_object()) {
        causes.push_back(
            {"FieldValueInvalid", "Invalid value: must be a map", path + ".resources." + which});
        continue;
      }
      for (const auto& [resource, amount] : list->items()) {
        auto value = QuantityOf(amount);
        std::string at = path + ".resources." + which + "[" + resource + "]";
        if (!value) {
          causes.push_back({"FieldValueInvalid",
                            "Invalid value: " + amount.dump() +
                                ": quantities must match the regular expression "
                                "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
                            at});
        } else if (*value < 0) {
          causes.push_back(
              {"FieldValueInvalid",
               "Invalid value: " + amount.dump() + ": must be greater than or equal to 0", at});
        }
      }
    }
    if (auto requests = resources->find("requests");
        requests != resources->end() && requests->is_object()) {
      for (const auto& [resource, amount] : requests->items()) {
        auto request = QuantityOf(amount);
        auto limit = ResourceAmount(*resources, "limits", resource.c_str());
        if (request && limit && *request > *limit) {
          causes.push_back({"FieldValueInvalid",
                            "Invalid value: " + amount.dump() + ": must be less than or equal to " +
                                resource + " limit",
                            path + ".resources.requests[" + resource + "]"});
        }
      }
    }
  }
  if (auto mounts = container.find("volumeMounts");
      mounts != container.end() && mounts->is_array()) {
    for (size_t i = 0; i < mounts->size(); ++i) {
      std::string volume = (*mounts)[i].value("name", "");
      if (!volumes.count(volume)) {
        causes.push_back({"FieldValueNotFound", "Not found: \"" + volume + "\"",
                          Index(path + ".volumeMounts", i) + ".name"});
      }
      if ((*mounts)[i].value("mountPath", "").empty()) {
        causes.push_back({"FieldValueRequired", "Required value",
                          Index(path + ".volumeMounts", i) + ".mountPath"});
      }
    }
  }
  for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
    ValidateProbe(container, probe, path, causes);
  }
}

void ValidatePodSpec(const json& spec, const std::string& path, std::vector<StatusCause>& causes) {
  if (!spec.is_object()) {
    causes.push_back({"FieldValueRequired", "Required value", path});
    return;
  }
  std::set<std::string> volumes;
  if (auto list = spec.find("volumes"); list != spec.end() && list->is_array()) {
    for (size_t i = 0; i < list->size(); ++i) {
      std::string name = (*list)[i].value("name", "");
      if (!IsDnsLabel(name)) {
        causes.push_back({"FieldValueInvalid",
                          "Invalid value: \"" + name + "\": " + NameProblem(name, true),
                          Index(path + ".volumes", i) + ".name"});
      } else if (!volumes.insert(name).second) {
        causes.push_back({"FieldValueDuplicate", "Duplicate value: \"" + name + "\"",
                          Index(path + ".volumes", i) + ".name"});
      }
    }
  }
  std::set<std::string> names;
  auto containers = spec.find("containers");
  if (containers == spec.end() || !containers->is_array() || containers->empty()) {
    causes.push_back({"FieldValueRequired", "Required value", path + ".containers"});
  } else {
    for (size_t i = 0; i < containers->size(); ++i) {
      ValidateContainer((*containers)[i], Index(path + ".containers", i), names, volumes, causes);
    }
  }
  if (auto init = spec.find("initContainers"); init != spec.end() && init->is_array()) {
    for (size_t i = 0; i < init->size(); ++i) {
      ValidateContainer((*init)[i], Index(path + ".initContainers", i), names, volumes, causes);
    }
  }
  static const std::set<std::string> kRestartPolicies = {"Always", "OnFailure", "Never"};
  if (auto policy = spec.find("restartPolicy");
      policy != spec.end() &&
      (!policy->is_string() || !kRestartPolicies.count(policy->get<std::string>()))) {
    causes.push_back({"FieldValueNotSupported",
                      "Unsupported value: " + policy->dump() +
                          ": supported values: \"Always\", \"OnFailure\", \"Never\"",
                      path + ".restartPolicy"});
  }
  if (auto node = spec.find("nodeName"); node != spec.end() && !node->is_null()) {
    if (!node->is_string() ||
        (!node->get<std::string>().empty() && !IsDnsSubdomain(node->get<std::string>()))) {
      causes.push_back({"FieldValueInvalid", "Invalid value: " + node->dump(), path + ".nodeName"});
    }
  }
  if (auto grace = spec.find("terminationGracePeriodSeconds");
      grace != spec.end() && !grace->is_null() && !grace->is_number_integer()) {
    causes.push_back({"FieldValueInvalid",
                      "Invalid value: " + grace->dump() + ": must be an integer",
                      path + ".terminationGracePeriodSeconds"});
  }
}

// A label selector must select the template's own labels, or the controller would create pods
// it can never find.
void ValidateWorkload(const json& object, std::vector<StatusCause>& causes) {
  const json spec = object.value("spec", json::object());
  auto selector = spec.find("selector");
  if (selector == spec.end() || !selector->is_object() || selector->empty()) {
    causes.push_back({"FieldValueRequired", "Required value", "spec.selector"});
  }
  json labels = spec.value("template", json::object())
                    .value("metadata", json::object())
                    .value("labels", json::object());
  if (selector != spec.end() && selector->is_object()) {
    auto match = selector->find("matchLabels");
    if (match != selector->end() && match->is_object()) {
      for (const auto& [key, value] : match->items()) {
        if (!labels.is_object() || !labels.contains(key) || labels[key] != value) {
          causes.push_back(
              {"FieldValueInvalid",
               "Invalid value: " + labels.dump() + ": `selector` does not match template `labels`",
               "spec.template.metadata.labels"});
          break;
        }
      }
    }
  }
  if (auto replicas = spec.find("replicas");
      replicas != spec.end() &&
      (!replicas->is_number_integer() || replicas->get<long long>() < 0)) {
    causes.push_back({"FieldValueInvalid",
                      "Invalid value: " + replicas->dump() + ": must be greater than or equal to 0",
                      "spec.replicas"});
  }
  ValidatePodSpec(spec.value("template", json::object()).value("spec", json()),
                  "spec.template.spec", causes);
}

void DefaultWorkload(json& object, bool deployment) {
  json& spec = ObjectAt(object, "spec");
  Default(spec, "replicas", 1);
  if (deployment) {
    Default(spec, "revisionHistoryLimit", 10);
    Default(spec, "progressDeadlineSeconds", 600);
    json& strategy = ObjectAt(spec, "strategy");
    Default(strategy, "type", "RollingUpdate");
    if (strategy["type"] == "RollingUpdate") {
      json& rolling = ObjectAt(strategy, "rollingUpdate");
      Default(rolling, "maxUnavailable", "25%");
      Default(rolling, "maxSurge", "25%");
    }
  }
  json& pod_template = ObjectAt(spec, "template");
  if (pod_template.contains("spec") && pod_template["spec"].is_object()) {
    DefaultPodSpec(pod_template["spec"]);
  }
}

}  // namespace

std::string QosClass(const json& pod_spec) {
  bool any = false;
  bool guaranteed = true;
  auto containers = pod_spec.find("containers");
  if (containers == pod_spec.end() || !containers->is_array()) return "BestEffort";
  std::vector<const json*> all;
  for (const auto& container : *containers) all.push_back(&container);
  if (auto init = pod_spec.find("initContainers"); init != pod_spec.end() && init->is_array()) {
    for (const auto& container : *init) all.push_back(&container);
  }
  for (const json* container : all) {
    json resources = container->value("resources", json::object());
    if (!resources.is_object()) continue;
    for (const char* name : {"cpu", "memory"}) {
      auto request = ResourceAmount(resources, "requests", name);
      auto limit = ResourceAmount(resources, "limits", name);
      if ((request && *request > 0) || (limit && *limit > 0)) any = true;
      // A missing request defaults to the limit.
      if (!limit || (request && *request != *limit)) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

void ApplyDefaults(const Resource& resource, json& object) {
  if (Is(resource, "", "pods")) {
    json& spec = ObjectAt(object, "spec");
    DefaultPodSpec(spec);
    json& status = ObjectAt(object, "status");
    Default(status, "phase", "Pending");
    Default(status, "qosClass", QosClass(spec));
  } else if (Is(resource, "apps", "deployments")) {
    DefaultWorkload(object, true);
  } else if (Is(resource, "apps", "replicasets")) {
    DefaultWorkload(object, false);
  } else if (Is(resource, "", "namespaces")) {
    Default(ObjectAt(object, "status"), "phase", "Active");
    json& spec = ObjectAt(object, "spec");
    Default(spec, "finalizers", json::array({"kubernetes"}));
    // Lets namespace selectors pick a namespace by name, as Kubernetes labels every one.
    json& metadata = ObjectAt(object, "metadata");
    if (metadata.contains("name") && metadata["name"].is_string()) {
      ObjectAt(metadata, "labels")["kubernetes.io/metadata.name"] = metadata["name"];
    }
  } else if (Is(resource, "", "services")) {
    json& spec = ObjectAt(object, "spec");
    Default(spec, "type", "ClusterIP");
    Default(spec, "sessionAffinity", "None");
    if (auto ports = spec.find("ports"); ports != spec.end() && ports->is_array()) {
      for (auto& port : *ports) {
        if (!port.is_object()) continue;
        Default(port, "protocol", "TCP");
        if (port.contains("port")) Default(port, "targetPort", port["port"]);
      }
    }
  } else if (Is(resource, "", "secrets")) {
    Default(object, "type", "Opaque");
  } else if (Is(resource, "", "persistentvolumeclaims") || Is(resource, "", "persistentvolumes")) {
    Default(ObjectAt(object, "status"), "phase", "Pending");
    if (resource.name == "persistentvolumes") {
      Default(ObjectAt(object, "spec"), "persistentVolumeReclaimPolicy", "Retain");
    }
  }
}

std::vector<StatusCause> ValidateObject(const Resource& resource, const json& object) {
  std::vector<StatusCause> causes;
  if (Is(resource, "", "pods")) {
    ValidatePodSpec(object.value("spec", json()), "spec", causes);
  } else if (Is(resource, "apps", "deployments") || Is(resource, "apps", "replicasets")) {
    ValidateWorkload(object, causes);
  } else if (Is(resource, "", "configmaps") || Is(resource, "", "secrets")) {
    for (const char* field : {"data", "binaryData", "stringData"}) {
      auto data = object.find(field);
      if (data == object.end() || data->is_null()) continue;
      if (!data->is_object()) {
        causes.push_back({"FieldValueInvalid", "Invalid value: must be a map", field});
        continue;
      }
      for (const auto& [key, value] : data->items()) {
        bool key_ok = !key.empty() && key.size() <= 253 && key != "." && key != ".." &&
                      key.find_first_not_of(
                          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
                          std::string::npos;
        if (!key_ok) {
          causes.push_back({"FieldValueInvalid",
                            "Invalid value: \"" + key +
                                "\": a valid config key must consist of alphanumeric characters, "
                                "'-', '_' or '.'",
                            std::string(field) + "[" + key + "]"});
        }
        if (!value.is_string()) {
          causes.push_back({"FieldValueInvalid", "Invalid value: must be a string",
                            std::string(field) + "[" + key + "]"});
        }
      }
    }
  } else if (Is(resource, "coordination.k8s.io", "leases")) {
    auto spec = object.value("spec", json::object());
    if (auto duration = spec.find("leaseDurationSeconds");
        duration != spec.end() && !duration->is_null() &&
        (!duration->is_number_integer() || duration->get<long long>() <= 0)) {
      causes.push_back({"FieldValueInvalid",
                        "Invalid value: " + duration->dump() + ": must be greater than 0",
                        "spec.leaseDurationSeconds"});
    }
  }
  return causes;
}

std::vector<StatusCause> ValidateUpdate(const Resource& resource, const json& object,
                                        const json& old) {
  std::vector<StatusCause> causes;
  if (!Is(resource, "", "pods")) return causes;
  // A pod's spec is fixed once created, except the images, the deadline, added tolerations and
  // the binding (which the scheduler sets through pods/binding, not through updates).
  json before = old.value("spec", json::object());
  json after = object.value("spec", json::object());
  for (const char* list : {"containers", "initContainers"}) {
    if (!before.contains(list) || !after.contains(list) || !before[list].is_array() ||
        !after[list].is_array() || before[list].size() != after[list].size()) {
      continue;
    }
    for (size_t i = 0; i < before[list].size(); ++i) {
      if (after[list][i].is_object() && after[list][i].contains("image")) {
        before[list][i]["image"] = after[list][i]["image"];
      }
    }
  }
  for (const char* field : {"activeDeadlineSeconds", "tolerations", "schedulingGates"}) {
    if (after.contains(field)) {
      before[field] = after[field];
    } else {
      before.erase(field);
    }
  }
  if (before != after) {
    causes.push_back({"FieldValueForbidden",
                      "Forbidden: pod updates may not change fields other than "
                      "`spec.containers[*].image`,`spec.initContainers[*].image`,"
                      "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
                      "existing tolerations),`spec.terminationGracePeriodSeconds`",
                      "spec"});
  }
  return causes;
}

std::optional<std::string> SelectableField(const Resource& resource, const json& object,
                                           const std::string& field) {
  auto string_at = [&](std::initializer_list<const char*> path) -> std::string {
    const json* at = &object;
    for (const char* key : path) {
      if (!at->is_object()) return "";
      auto found = at->find(key);
      if (found == at->end()) return "";
      at = &*found;
    }
    if (at->is_string()) return at->get<std::string>();
    if (at->is_boolean()) return at->get<bool>() ? "true" : "false";
    if (at->is_number()) return at->dump();
    return "";
  };
  if (field == "metadata.name") return string_at({"metadata", "name"});
  if (field == "metadata.namespace" && resource.namespaced) {
    return string_at({"metadata", "namespace"});
  }
  if (Is(resource, "", "pods")) {
    if (field == "spec.nodeName") return string_at({"spec", "nodeName"});
    if (field == "spec.restartPolicy") return string_at({"spec", "restartPolicy"});
    if (field == "spec.schedulerName") return string_at({"spec", "schedulerName"});
    if (field == "spec.serviceAccountName") return string_at({"spec", "serviceAccountName"});
    if (field == "spec.hostNetwork") {
      auto value = string_at({"spec", "hostNetwork"});
      return value.empty() ? "false" : value;
    }
    if (field == "status.phase") return string_at({"status", "phase"});
    if (field == "status.podIP") return string_at({"status", "podIP"});
    if (field == "status.nominatedNodeName") return string_at({"status", "nominatedNodeName"});
  }
  if (Is(resource, "", "nodes") && field == "spec.unschedulable") {
    auto value = string_at({"spec", "unschedulable"});
    return value.empty() ? "false" : value;
  }
  if (Is(resource, "", "namespaces") && field == "status.phase") {
    return string_at({"status", "phase"});
  }
  if (Is(resource, "", "secrets") && field == "type") return string_at({"type"});
  if (Is(resource, "", "events")) {
    static const char* kInvolved[] = {"kind",       "namespace",       "name",     "uid",
                                      "apiVersion", "resourceVersion", "fieldPath"};
    for (const char* key : kInvolved) {
      if (field == std::string("involvedObject.") + key) {
        return string_at({"involvedObject", key});
      }
    }
    if (field == "reason") return string_at({"reason"});
    if (field == "type") return string_at({"type"});
    if (field == "source") return string_at({"source", "component"});
    if (field == "reportingComponent") return string_at({"reportingComponent"});
  }
  if (Is(resource, "apps", "replicasets") && field == "status.replicas") {
    auto value = string_at({"status", "replicas"});
    return value.empty() ? "0" : value;
  }
  return std::nullopt;
}

bool TracksGeneration(const Resource& resource) { return resource.group == "apps"; }

}  // namespace hostlet::apiserver
