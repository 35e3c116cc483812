// Lenient reads of the Kubernetes objects the scheduler parses: a missing or mistyped field
// reads as absent, since objects come validated from the registry and a field the scheduler
// does not understand must not stop it.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace hostlet::scheduler {

// `object[name]`, or null when `object` is not an object or has no such field.
inline const nlohmann::json& Field(const nlohmann::json& object, const char* name) {
  static const nlohmann::json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(name);
  return it == object.end() ? kNull : *it;
}

// The string at `object[name]`, or "" when it is absent or not a string.
inline std::string String(const nlohmann::json& object, const char* name) {
  const nlohmann::json& value = Field(object, name);
  return value.is_string() ? value.get<std::string>() : std::string();
}

}  // namespace hostlet::scheduler
