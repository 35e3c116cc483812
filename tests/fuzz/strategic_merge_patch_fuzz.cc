// A strategic merge patch is a request body. Any patch, on any object, must give an object or
// fail with PatchError, never crash; and directives must never end up in the stored object.
#include "controlplane/apiserver/strategic_merge_patch.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <string>
#include <vector>

namespace {

using nlohmann::json;

// Whether a "$patch", "$retainKeys", "$setElementOrder/..." or "$deleteFromPrimitiveList/..."
// key is anywhere in `value`.
bool HasDirective(const json& value) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      if (key == "$patch" || key == "$retainKeys" || key.rfind("$setElementOrder/", 0) == 0 ||
          key.rfind("$deleteFromPrimitiveList/", 0) == 0 || HasDirective(child)) {
        return true;
      }
    }
  } else if (value.is_array()) {
    for (const json& child : value) {
      if (HasDirective(child)) return true;
    }
  }
  return false;
}

}  // namespace

// The input is the live object's JSON, a newline, then the patch's JSON.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  size_t newline = text.find('\n');
  if (newline == std::string::npos) return 0;
  json original = json::parse(text.substr(0, newline), nullptr, false);
  json patch = json::parse(text.substr(newline + 1), nullptr, false);
  if (original.is_discarded() || patch.is_discarded()) return 0;
  static const std::pair<const char*, const char*> kKinds[] = {
      {"", "Pod"}, {"apps", "Deployment"}, {"", "Node"}, {"example.com", "Widget"}};
  const auto& [group, kind] = kKinds[size % 4];
  try {
    json result = hostlet::apiserver::StrategicMergePatch(original, patch, group, kind);
    if (!result.is_object()) std::abort();
    if (!HasDirective(original) && HasDirective(result)) std::abort();
  } catch (const hostlet::apiserver::PatchError&) {
  }
  return 0;
}

std::vector<std::string> FuzzSeeds() {
  return {
      R"({"spec":{"containers":[{"name":"a","env":[{"name":"X"},{"name":"Y"}]},{"name":"b"}]}})"
      "\n"
      R"({"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"c"}],"containers":[{"name":"c"},{"name":"a","$patch":"delete"}]}})",
      R"({"metadata":{"finalizers":["a","b"],"labels":{"x":"1"}},"spec":{"template":{"spec":{"containers":[{"name":"w","image":"i"}]}}}})"
      "\n"
      R"({"metadata":{"$setElementOrder/finalizers":["b","c"],"finalizers":["c"],"$deleteFromPrimitiveList/finalizers":["a"],"labels":{"x":null}},"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"},"template":{"spec":{"containers":[{"name":"w","$setElementOrder/env":[{"name":"E"}],"env":[{"name":"E","value":"v"}]}]}}}})",
      R"({"status":{"conditions":[{"type":"Ready","status":"False"}],"addresses":[{"type":"Hostname","address":"n"}]}})"
      "\n"
      R"({"status":{"conditions":[{"type":"Ready","status":"True"},{"$patch":"replace"}],"addresses":[{"$patch":"delete","type":"Hostname"}]}})",
      R"({"a":{"b":[1,2]},"c":"d"})"
      "\n"
      R"({"$patch":"replace","a":{"$patch":"delete"},"e":[{"$patch":"delete"},{"f":null}]})",
      "{}\n{}",
      "{}\n[]",
      "[]\n{}",
  };
}
