#include "controlplane/apiserver/field_schema.h"

#include "controlplane/apiserver/field_schema_data.h"

#include <cstdio>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;

// Upstream's decoder stops collecting strict errors at this many.
constexpr size_t kMaxUnknown = 100;

struct Type;

// What a field's value is: nothing to look into (type == nullptr), an object of `type`, or a
// list of such objects.
struct Field {
  const Type* type = nullptr;
  bool list = false;
};

struct Type {
  std::unordered_map<std::string, Field> fields;
};

class Schema {
 public:
  Schema() {
    // Two passes: every type exists before a field may point at it.
    std::vector<std::pair<Type*, std::string>> pending;
    for (auto table : {field_schema::CoreTypes(), field_schema::GroupTypes()}) {
      for (const auto& entry : table) {
        auto [it, added] = types_.try_emplace(entry.type);
        if (!added) throw std::logic_error(std::string("field schema: type twice: ") + entry.type);
        pending.emplace_back(&it->second, entry.fields);
      }
    }
    for (auto& [type, fields] : pending) {
      std::istringstream words(fields);
      std::string word;
      while (words >> word) {
        Field field;
        auto colon = word.find(':');
        if (colon != std::string::npos) {
          std::string ref = word.substr(colon + 1);
          field.list = ref.starts_with("[]");
          if (field.list) ref.erase(0, 2);
          field.type = Find(ref);
          if (!field.type) throw std::logic_error("field schema: no type " + ref);
          word.resize(colon);
        }
        type->fields.emplace(word, field);
      }
    }
    // The served kinds: group/Kind to the type of the whole object. Scale is what the scale
    // subresource of apps kinds takes, Binding what a pod's binding subresource takes.
    const std::pair<const char*, const char*> kinds[] = {
        {"/Namespace", "Namespace"},
        {"/Node", "Node"},
        {"/Pod", "Pod"},
        {"/Event", "Event"},
        {"/ConfigMap", "ConfigMap"},
        {"/Secret", "Secret"},
        {"/Service", "Service"},
        {"/Endpoints", "Endpoints"},
        {"/ServiceAccount", "ServiceAccount"},
        {"/PersistentVolume", "PersistentVolume"},
        {"/PersistentVolumeClaim", "PersistentVolumeClaim"},
        {"/Binding", "Binding"},
        {"apps/Deployment", "Deployment"},
        {"apps/ReplicaSet", "ReplicaSet"},
        {"coordination.k8s.io/Lease", "Lease"},
        {"storage.k8s.io/StorageClass", "StorageClass"},
        {"storage.k8s.io/CSIDriver", "CSIDriver"},
        {"storage.k8s.io/CSINode", "CSINode"},
        {"autoscaling/Scale", "Scale"},
    };
    for (const auto& [kind, type] : kinds) {
      const Type* found = Find(type);
      if (!found) throw std::logic_error(std::string("field schema: no type ") + type);
      kinds_.emplace(kind, found);
    }
  }

  const Type* Find(const std::string& type) const {
    auto found = types_.find(type);
    return found == types_.end() ? nullptr : &found->second;
  }

  const Type* OfKind(const std::string& group, const std::string& kind) const {
    auto found = kinds_.find(group + "/" + kind);
    return found == kinds_.end() ? nullptr : found->second;
  }

 private:
  std::unordered_map<std::string, Type> types_;
  std::unordered_map<std::string, const Type*> kinds_;
};

const Schema& TheSchema() {
  static const Schema schema;
  return schema;
}

void Walk(const Type& type, const json& object, const std::string& path,
          std::vector<std::string>& unknown) {
  for (const auto& [key, value] : object.items()) {
    if (unknown.size() >= kMaxUnknown) return;
    std::string at = path.empty() ? key : path + "." + key;
    auto field = type.fields.find(key);
    if (field == type.fields.end()) {
      unknown.push_back(std::move(at));
      continue;
    }
    const Field& f = field->second;
    if (!f.type) continue;
    // A value of the wrong JSON type is a decoding error of its own, not an unknown field.
    if (!f.list) {
      if (value.is_object()) Walk(*f.type, value, at, unknown);
      continue;
    }
    if (!value.is_array()) continue;
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i].is_object())
        Walk(*f.type, value[i], at + "[" + std::to_string(i) + "]", unknown);
    }
  }
}

// Go's %q for the field paths: quotes and backslashes escaped, control characters spelled out.
std::string Quote(const std::string& text) {
  std::string quoted = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        quoted += "\\\"";
        break;
      case '\\':
        quoted += "\\\\";
        break;
      case '\a':
        quoted += "\\a";
        break;
      case '\b':
        quoted += "\\b";
        break;
      case '\f':
        quoted += "\\f";
        break;
      case '\n':
        quoted += "\\n";
        break;
      case '\r':
        quoted += "\\r";
        break;
      case '\t':
        quoted += "\\t";
        break;
      case '\v':
        quoted += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char hex[5];
          std::snprintf(hex, sizeof hex, "\\x%02x", c);
          quoted += hex;
        } else {
          quoted += static_cast<char>(c);
        }
    }
  }
  return quoted + "\"";
}

}  // namespace

std::vector<std::string> UnknownFields(const std::string& group, const std::string& kind,
                                       const json& object) {
  std::vector<std::string> unknown;
  const Type* type = TheSchema().OfKind(group, kind);
  if (type && object.is_object()) Walk(*type, object, "", unknown);
  return unknown;
}

std::string StrictDecodingMessage(const std::string& kind, const std::string& version,
                                  const std::vector<std::string>& unknown) {
  std::string message = kind + " in version " + Quote(version) + " cannot be handled as a " + kind +
                        ": strict decoding error: ";
  std::set<std::string> seen;
  bool first = true;
  for (const auto& field : unknown) {
    if (!seen.insert(field).second) continue;
    if (!first) message += ", ";
    first = false;
    message += "unknown field " + Quote(field);
  }
  return message;
}

}  // namespace hostlet::apiserver
