#include "kubelet/volumes/api_objects.h"

#include "kubelet/network/base64.h"

#include <utility>

namespace hostlet::agent {
namespace {

const char* Resource(ObjectKind kind) {
  return kind == ObjectKind::kConfigMap ? "configmaps" : "secrets";
}
const char* Lower(ObjectKind kind) {
  return kind == ObjectKind::kConfigMap ? "configmap" : "secret";
}
const char* Title(ObjectKind kind) {
  return kind == ObjectKind::kConfigMap ? "ConfigMap" : "Secret";
}

// Adds `field`'s entries, base64-decoding them when the API carries bytes that way.
void AddField(const nlohmann::json& object, const char* field, bool base64, ObjectKind kind,
              const std::string& name, std::map<std::string, std::string>& data) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_object()) return;
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string()) continue;
    if (!base64) {
      data[key] = value.get<std::string>();
      continue;
    }
    auto bytes = network::Base64Decode(value.get<std::string>());
    if (!bytes) {
      ThrowConfigError(std::string(Lower(kind)) + " \"" + name + "\": key " + key +
                       " is not valid base64");
    }
    data[key] = std::move(*bytes);
  }
}

}  // namespace

ObjectReader::ObjectReader(const ObjectGetter& get, std::string ns)
    : get_(get), ns_(std::move(ns)) {}

const std::map<std::string, std::string>* ObjectReader::Data(ObjectKind kind,
                                                             const std::string& name,
                                                             bool with_binary_data) {
  auto key = std::make_pair(kind, name);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    std::optional<Entry> entry;
    if (auto object = get_(Resource(kind), ns_, name)) {
      entry.emplace();
      if (kind == ObjectKind::kConfigMap) {
        AddField(*object, "data", false, kind, name, entry->data);
        entry->all = entry->data;
        AddField(*object, "binaryData", true, kind, name, entry->all);
      } else {
        // The apiserver folds stringData into data on write, so data is all a read returns.
        AddField(*object, "data", true, kind, name, entry->data);
        entry->all = entry->data;
      }
    }
    it = cache_.emplace(key, std::move(entry)).first;
  }
  if (!it->second) return nullptr;
  return with_binary_data ? &it->second->all : &it->second->data;
}

const std::map<std::string, std::string>* ObjectReader::Require(ObjectKind kind,
                                                                const std::string& name,
                                                                bool optional,
                                                                bool with_binary_data) {
  if (name.empty())
    ThrowConfigError(std::string("a ") + Lower(kind) + " reference names no object");
  const auto* data = Data(kind, name, with_binary_data);
  if (data == nullptr && !optional)
    ThrowConfigError(std::string(Lower(kind)) + " \"" + name + "\" not found");
  return data;
}

std::string ObjectReader::MissingKeyMessage(ObjectKind kind, const std::string& name,
                                            const std::string& key) const {
  return "couldn't find key " + key + " in " + Title(kind) + " " + ns_ + "/" + name;
}

}  // namespace hostlet::agent
