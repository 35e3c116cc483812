#include "kubelet/volumes/container_env.h"

#include "kubelet/volumes/api_objects.h"
#include "kubelet/volumes/env_expansion.h"
#include "kubelet/volumes/field_path.h"
#include "kubelet/volumes/resource_value.h"

#include <map>
#include <optional>

namespace hostlet::agent {
namespace {

std::string StringField(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return "";
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

bool BoolField(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return false;
  auto it = object.find(field);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

const nlohmann::json& Field(const nlohmann::json& object, const char* field) {
  static const nlohmann::json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(field);
  return it == object.end() ? kNull : *it;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string text;
  for (const auto& part : parts) text += (text.empty() ? "" : ",") + part;
  return text;
}

// Names a runtime accepts: printable ASCII without '=' (the rule Kubernetes relaxed to in 1.30).
// envFrom keys that break it are skipped, as the kubelet skips them.
bool ValidEnvName(const std::string& name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (c < 0x20 || c > 0x7e || c == '=') return false;
  }
  return true;
}

// The environment so far: names in first-definition order, values as last defined.
class EnvList {
 public:
  void Set(const std::string& name, std::string value) {
    auto [it, added] = index_.emplace(name, entries_.size());
    if (added) {
      entries_.emplace_back(name, std::move(value));
    } else {
      entries_[it->second].second = std::move(value);
    }
  }
  std::optional<std::string> Get(const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end()) return std::nullopt;
    return entries_[it->second].second;
  }
  std::vector<std::pair<std::string, std::string>> Take() { return std::move(entries_); }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  std::map<std::string, size_t> index_;
};

std::string PodFieldValue(const nlohmann::json& pod, const nlohmann::json& field_ref,
                          const PodRuntimeFacts& facts) {
  if (auto version = StringField(field_ref, "apiVersion"); !version.empty() && version != "v1") {
    ThrowConfigError("unsupported fieldRef apiVersion: " + version);
  }
  const std::string path = StringField(field_ref, "fieldPath");
  if (auto value = PodMetadataField(pod, path)) return *value;
  const auto& spec = Field(pod, "spec");
  if (path == "spec.nodeName") {
    auto name = StringField(spec, "nodeName");
    return name.empty() ? facts.node_name : name;
  }
  if (path == "spec.serviceAccountName") return StringField(spec, "serviceAccountName");
  if (path == "status.hostIP" || path == "status.hostIPs") return facts.host_ip;
  if (path == "status.podIP")
    return facts.pod_ip.empty() && !facts.pod_ips.empty() ? facts.pod_ips.front() : facts.pod_ip;
  if (path == "status.podIPs") return facts.pod_ips.empty() ? facts.pod_ip : Join(facts.pod_ips);
  ThrowConfigError("unsupported fieldPath: " + path);
}

// A configMapKeyRef or secretKeyRef: its value, or nullopt when optional and missing.
std::optional<std::string> KeyRefValue(ObjectReader& objects, ObjectKind kind,
                                       const nlohmann::json& ref) {
  const std::string name = StringField(ref, "name");
  const std::string key = StringField(ref, "key");
  const bool optional = BoolField(ref, "optional");
  const auto* data = objects.Require(kind, name, optional, /*with_binary_data=*/false);
  if (data == nullptr) return std::nullopt;
  auto it = data->find(key);
  if (it == data->end()) {
    if (optional) return std::nullopt;
    ThrowConfigError(objects.MissingKeyMessage(kind, name, key));
  }
  return it->second;
}

void AddEnvFrom(EnvList& env, ObjectReader& objects, const nlohmann::json& source) {
  const std::string prefix = StringField(source, "prefix");
  for (auto [field, kind] : {std::pair{"configMapRef", ObjectKind::kConfigMap},
                             std::pair{"secretRef", ObjectKind::kSecret}}) {
    const auto& ref = Field(source, field);
    if (!ref.is_object()) continue;
    const auto* data = objects.Require(kind, StringField(ref, "name"), BoolField(ref, "optional"),
                                       /*with_binary_data=*/false);
    if (data == nullptr) continue;
    for (const auto& [key, value] : *data) {
      if (ValidEnvName(prefix + key)) env.Set(prefix + key, value);
    }
  }
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ContainerEnv(
    const nlohmann::json& pod, const nlohmann::json& container, const PodRuntimeFacts& facts,
    const nlohmann::json& node_allocatable, const ObjectGetter& get) {
  std::string ns = StringField(Field(pod, "metadata"), "namespace");
  ObjectReader objects(get, ns.empty() ? "default" : ns);
  EnvList env;

  const auto& env_from = Field(container, "envFrom");
  if (env_from.is_array()) {
    for (const auto& source : env_from) AddEnvFrom(env, objects, source);
  }

  const auto& entries = Field(container, "env");
  if (!entries.is_array()) return env.Take();
  auto lookup = [&env](const std::string& name) { return env.Get(name); };
  for (const auto& entry : entries) {
    const std::string name = StringField(entry, "name");
    if (name.empty()) continue;
    const auto& value_from = Field(entry, "valueFrom");
    if (auto value = StringField(entry, "value"); !value.empty() || !value_from.is_object()) {
      // Only literal values expand; values from the API are taken as they are.
      env.Set(name, ExpandEnvReferences(value, lookup));
      continue;
    }
    if (const auto& ref = Field(value_from, "fieldRef"); ref.is_object()) {
      env.Set(name, PodFieldValue(pod, ref, facts));
    } else if (const auto& resource = Field(value_from, "resourceFieldRef"); resource.is_object()) {
      env.Set(name, ResourceFieldValue(pod, container, resource, node_allocatable));
    } else if (const auto& cm = Field(value_from, "configMapKeyRef"); cm.is_object()) {
      if (auto value = KeyRefValue(objects, ObjectKind::kConfigMap, cm)) env.Set(name, *value);
    } else if (const auto& secret = Field(value_from, "secretKeyRef"); secret.is_object()) {
      if (auto value = KeyRefValue(objects, ObjectKind::kSecret, secret)) env.Set(name, *value);
    } else {
      ThrowConfigError("env \"" + name + "\": valueFrom has no source this agent supports");
    }
  }
  return env.Take();
}

}  // namespace hostlet::agent
