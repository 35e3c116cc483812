#include "controlplane/apiserver/protobuf_body.h"

#include "controlplane/apiserver/api_status.h"
#include "controlplane/apiserver/base64.h"
#include "controlplane/apiserver/object_meta.h"
#include "k8s.io/api/apps/v1/generated.pb.h"
#include "k8s.io/api/core/v1/generated.pb.h"
#include "k8s.io/apimachinery/pkg/runtime/generated.pb.h"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace hostlet::apiserver {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using nlohmann::json;

// Go's protobuf encoder writes every non-pointer field, empty or not, so an empty string, a zero
// or false on the wire usually means "unset" and is dropped as Go's JSON omitempty would. These
// are pointer fields, where a zero was chosen by the sender and is kept.
const std::set<std::string>& ZeroMeaningful() {
  static const std::set<std::string> fields = {"replicas",
                                               "revisionHistoryLimit",
                                               "progressDeadlineSeconds",
                                               "immutable",
                                               "automountServiceAccountToken",
                                               "enableServiceLinks",
                                               "priority",
                                               "terminationGracePeriodSeconds",
                                               "activeDeadlineSeconds",
                                               "deletionGracePeriodSeconds"};
  return fields;
}

const std::map<std::string, const Message*>& Prototypes() {
  namespace core = k8s::io::api::core::v1;
  namespace apps = k8s::io::api::apps::v1;
  static const std::map<std::string, const Message*> prototypes = {
      {"v1/ConfigMap", &core::ConfigMap::default_instance()},
      {"v1/Secret", &core::Secret::default_instance()},
      {"v1/Namespace", &core::Namespace::default_instance()},
      {"v1/ServiceAccount", &core::ServiceAccount::default_instance()},
      {"v1/Service", &core::Service::default_instance()},
      {"apps/v1/Deployment", &apps::Deployment::default_instance()}};
  return prototypes;
}

[[noreturn]] void Malformed(const std::string& why) {
  throw ApiException(BadRequest("the protobuf body cannot be decoded: " + why));
}

json ToJson(const Message& message, const std::string& path);

json ScalarToJson(const Message& message, const FieldDescriptor* field, int index) {
  const Reflection* r = message.GetReflection();
  bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string value =
          repeated ? r->GetRepeatedString(message, field, index) : r->GetString(message, field);
      if (field->type() != FieldDescriptor::TYPE_BYTES) return value;
      return Base64Encode(value);
    }
    case FieldDescriptor::CPPTYPE_INT32:
      return repeated ? r->GetRepeatedInt32(message, field, index) : r->GetInt32(message, field);
    case FieldDescriptor::CPPTYPE_INT64:
      return repeated ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field);
    case FieldDescriptor::CPPTYPE_BOOL:
      return repeated ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field);
    default:
      Malformed("field " + field->full_name() + " has a type this server does not decode");
  }
}

// The JSON of the messages that upstream encodes as scalars; nothing for an ordinary message.
std::optional<json> ScalarMessageToJson(const Message& message) {
  const std::string& type = message.GetDescriptor()->full_name();
  const Reflection* r = message.GetReflection();
  const Descriptor* d = message.GetDescriptor();
  if (type == "k8s.io.apimachinery.pkg.api.resource.Quantity") {
    return r->GetString(message, d->FindFieldByName("string"));
  }
  if (type == "k8s.io.apimachinery.pkg.util.intstr.IntOrString") {
    if (r->GetInt64(message, d->FindFieldByName("type")) == 1) {
      return r->GetString(message, d->FindFieldByName("strVal"));
    }
    return r->GetInt32(message, d->FindFieldByName("intVal"));
  }
  if (type == "k8s.io.apimachinery.pkg.apis.meta.v1.Time") {
    int64_t seconds = r->GetInt64(message, d->FindFieldByName("seconds"));
    if (seconds == 0) return json();  // the zero time: unset
    return FormatTime(std::chrono::system_clock::time_point(std::chrono::seconds(seconds)));
  }
  return std::nullopt;
}

json ValueToJson(const Message& message, const FieldDescriptor* field, int index,
                 const std::string& path) {
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return ScalarToJson(message, field, index);
  }
  const Reflection* r = message.GetReflection();
  const Message& child = field->is_repeated() ? r->GetRepeatedMessage(message, field, index)
                                              : r->GetMessage(message, field);
  if (auto scalar = ScalarMessageToJson(child)) return *scalar;
  return ToJson(child, path);
}

json ToJson(const Message& message, const std::string& path) {
  const Reflection* r = message.GetReflection();
  if (!r->GetUnknownFields(message).empty()) {
    Malformed("a field of " + (path.empty() ? message.GetDescriptor()->name() : path) +
              " is not known to this server (send the object as JSON instead)");
  }
  json object = json::object();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    std::string field_path = path.empty() ? field->name() : path + "." + field->name();
    if (field->is_map()) {
      json map = json::object();
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        const Message& entry = r->GetRepeatedMessage(message, field, i);
        const Descriptor* entry_type = entry.GetDescriptor();
        std::string key = entry.GetReflection()->GetString(entry, entry_type->map_key());
        map[key] = ValueToJson(entry, entry_type->map_value(), -1, field_path + "." + key);
      }
      object[field->name()] = std::move(map);
      continue;
    }
    if (field->is_repeated()) {
      json list = json::array();
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        list.push_back(ValueToJson(message, field, i, field_path + "[" + std::to_string(i) + "]"));
      }
      object[field->name()] = std::move(list);
      continue;
    }
    json value = ValueToJson(message, field, -1, field_path);
    bool zero = value.is_null() ||
                (value.is_string() && value.get_ref<const std::string&>().empty()) ||
                (value.is_number() && value == 0) || (value.is_boolean() && !value.get<bool>());
    if (zero &&
        !(ZeroMeaningful().contains(field->name()) && !value.is_null() && !value.is_string())) {
      continue;
    }
    object[field->name()] = std::move(value);
  }
  return object;
}

}  // namespace

json DecodeProtobufObject(std::string_view body) {
  static constexpr std::string_view kMagic("k8s\0", 4);
  if (!body.starts_with(kMagic)) Malformed("it does not start with the \"k8s\\0\" prefix");
  body.remove_prefix(kMagic.size());
  k8s::io::apimachinery::pkg::runtime::Unknown envelope;
  if (!envelope.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    Malformed("the envelope is not a runtime.Unknown message");
  }
  if (!envelope.contentencoding().empty()) {
    Malformed("content encoding \"" + envelope.contentencoding() + "\" is not supported");
  }
  const std::string& api_version = envelope.typemeta().apiversion();
  const std::string& kind = envelope.typemeta().kind();
  auto prototype = Prototypes().find(api_version + "/" + kind);
  if (prototype == Prototypes().end()) {
    throw ApiException(UnsupportedMediaType(
        std::string(kProtobufMediaType) + " for " + (kind.empty() ? "an unnamed kind" : kind) +
        " (protobuf is accepted for ConfigMap, Secret, Namespace, ServiceAccount, Service and "
        "apps/v1 Deployment; send other kinds as application/json)"));
  }
  std::unique_ptr<Message> object(prototype->second->New());
  if (!object->ParseFromString(envelope.raw())) Malformed("the " + kind + " does not parse");
  json result = ToJson(*object, "");
  result["apiVersion"] = api_version;
  result["kind"] = kind;
  return result;
}

}  // namespace hostlet::apiserver
