#include "kubelet/volumes/volume_payloads.h"

#include "kubelet/volumes/field_path.h"
#include "kubelet/volumes/resource_value.h"

namespace hostlet::agent {
namespace {

constexpr unsigned kDefaultMode = 0644;  // configMap, secret, downwardAPI and projected alike

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

// A file mode as the API writes it: a decimal number (420 is 0644), 0 to 0777.
unsigned ModeField(const nlohmann::json& object, const char* field, unsigned fallback,
                   const std::string& volume) {
  if (!object.is_object()) return fallback;
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_number_integer() || it->get<long long>() < 0 || it->get<long long>() > 0777) {
    ThrowConfigError("volume \"" + volume + "\": " + field +
                     " must be a file mode between 0 and 0777");
  }
  return it->get<unsigned>();
}

// Items of a configMap or secret (all keys when there are no items) added to `payload`.
void AddKeys(ObjectReader& objects, ObjectKind kind, const std::string& name,
             const std::string& volume, const nlohmann::json& source, unsigned default_mode,
             Payload& payload) {
  const bool optional = BoolField(source, "optional");
  const auto* data = objects.Require(kind, name, optional, /*with_binary_data=*/true);
  auto items = source.find("items");
  const bool has_items = items != source.end() && items->is_array() && !items->empty();
  if (data == nullptr) return;  // optional and missing: the volume is empty
  if (!has_items) {
    for (const auto& [key, value] : *data) payload[key] = {value, default_mode};
    return;
  }
  for (const auto& item : *items) {
    const std::string key = StringField(item, "key");
    auto it = data->find(key);
    if (it == data->end()) {
      if (optional) continue;
      ThrowConfigError(objects.MissingKeyMessage(kind, name, key));
    }
    std::string path = StringField(item, "path");
    ValidatePayloadPath(path);
    payload[path] = {it->second, ModeField(item, "mode", default_mode, volume)};
  }
}

void AddDownwardItems(const nlohmann::json& pod, const std::string& volume,
                      const nlohmann::json& source, unsigned default_mode, Payload& payload) {
  auto items = source.find("items");
  if (items == source.end() || !items->is_array()) return;
  for (const auto& item : *items) {
    std::string path = StringField(item, "path");
    ValidatePayloadPath(path);
    std::string value;
    if (auto field = item.find("fieldRef"); field != item.end() && field->is_object()) {
      const std::string field_path = StringField(*field, "fieldPath");
      auto resolved = PodMetadataField(pod, field_path);
      if (!resolved) {
        ThrowConfigError("volume \"" + volume +
                         "\": unsupported fieldPath in a downwardAPI volume: " + field_path);
      }
      value = *resolved;
    } else if (auto resource = item.find("resourceFieldRef");
               resource != item.end() && resource->is_object()) {
      if (StringField(*resource, "containerName").empty()) {
        ThrowConfigError("volume \"" + volume + "\": resourceFieldRef needs containerName");
      }
      // No node allocatable here: a limit the container does not set cannot be answered, and
      // fails with a PodConfigError saying so.
      value = ResourceFieldValue(pod, nlohmann::json::object(), *resource, nlohmann::json());
    } else {
      ThrowConfigError("volume \"" + volume + "\": downwardAPI item \"" + path +
                       "\" has no fieldRef or resourceFieldRef");
    }
    payload[path] = {value, ModeField(item, "mode", default_mode, volume)};
  }
}

}  // namespace

Payload ConfigMapPayload(ObjectReader& objects, const std::string& volume,
                         const nlohmann::json& source) {
  Payload payload;
  AddKeys(objects, ObjectKind::kConfigMap, StringField(source, "name"), volume, source,
          ModeField(source, "defaultMode", kDefaultMode, volume), payload);
  return payload;
}

Payload SecretPayload(ObjectReader& objects, const std::string& volume,
                      const nlohmann::json& source) {
  Payload payload;
  AddKeys(objects, ObjectKind::kSecret, StringField(source, "secretName"), volume, source,
          ModeField(source, "defaultMode", kDefaultMode, volume), payload);
  return payload;
}

Payload DownwardApiPayload(const nlohmann::json& pod, const std::string& volume,
                           const nlohmann::json& source) {
  Payload payload;
  AddDownwardItems(pod, volume, source, ModeField(source, "defaultMode", kDefaultMode, volume),
                   payload);
  return payload;
}

Payload ProjectedPayload(ObjectReader& objects, const nlohmann::json& pod,
                         const std::string& volume, const nlohmann::json& source) {
  Payload payload;
  const unsigned mode = ModeField(source, "defaultMode", kDefaultMode, volume);
  auto sources = source.find("sources");
  if (sources == source.end() || !sources->is_array()) return payload;
  for (const auto& projection : *sources) {
    if (auto cm = projection.find("configMap"); cm != projection.end()) {
      AddKeys(objects, ObjectKind::kConfigMap, StringField(*cm, "name"), volume, *cm, mode,
              payload);
    } else if (auto secret = projection.find("secret"); secret != projection.end()) {
      AddKeys(objects, ObjectKind::kSecret, StringField(*secret, "name"), volume, *secret, mode,
              payload);
    } else if (auto downward = projection.find("downwardAPI"); downward != projection.end()) {
      AddDownwardItems(pod, volume, *downward, mode, payload);
    } else {
      std::string kind =
          projection.is_object() && !projection.empty() ? projection.begin().key() : "empty";
      ThrowConfigError("volume \"" + volume + "\": projected " + kind +
                       " sources are not supported yet");
    }
  }
  return payload;
}

}  // namespace hostlet::agent
