#include "kubelet/config/pod_defaults.h"

#include "kubelet/config/names.h"

#include <set>
#include <stdexcept>
#include <vector>

namespace hostlet::agent {
namespace {

using nlohmann::json;

[[noreturn]] void Invalid(const std::string& field, const std::string& what) {
  throw std::invalid_argument(field + ": " + what);
}

std::string Quoted(const json& value) { return value.dump(); }

// A string field that must hold one of `allowed`, defaulted to `fallback` when absent.
void DefaultEnum(json& object, const std::string& key, const std::string& path,
                 const std::vector<std::string>& allowed, const std::string& fallback) {
  if (!object.contains(key) || object[key].is_null()) {
    object[key] = fallback;
    return;
  }
  const json& value = object[key];
  for (const std::string& choice : allowed) {
    if (value == choice) return;
  }
  std::string supported;
  for (const std::string& choice : allowed) supported += (supported.empty() ? "\"" : ", \"") + choice + "\"";
  Invalid(path + "." + key, "Unsupported value: " + Quoted(value) + ": supported values: " + supported);
}

void Default(json& object, const std::string& key, const json& fallback) {
  if (!object.contains(key) || object[key].is_null()) object[key] = fallback;
}

void CheckContainer(json& container, const std::string& path, std::set<std::string>& names) {
  if (!container.is_object()) Invalid(path, "Invalid value: expected an object");
  if (!container.contains("name") || container["name"].is_null() || container["name"] == "") {
    Invalid(path + ".name", "Required value");
  }
  const json& name = container["name"];
  if (!name.is_string() || !IsDns1123Label(name.get<std::string>())) {
    Invalid(path + ".name", "Invalid value: " + Quoted(name) + ": must be a lowercase RFC 1123 label");
  }
  if (!names.insert(name.get<std::string>()).second) Invalid(path + ".name", "Duplicate value: " + Quoted(name));
  if (!container.contains("image") || container["image"].is_null() || container["image"] == "") {
    Invalid(path + ".image", "Required value");
  }
  if (!container["image"].is_string()) Invalid(path + ".image", "Invalid value: expected a string");
  DefaultEnum(container, "imagePullPolicy", path, {"Always", "IfNotPresent", "Never"},
              DefaultPullPolicy(container["image"].get<std::string>()));
  Default(container, "terminationMessagePath", "/dev/termination-log");
  DefaultEnum(container, "terminationMessagePolicy", path, {"File", "FallbackToLogsOnError"}, "File");
  if (container.contains("ports") && !container["ports"].is_null()) {
    if (!container["ports"].is_array()) Invalid(path + ".ports", "Invalid value: expected a list");
    for (size_t i = 0; i < container["ports"].size(); ++i) {
      json& port = container["ports"][i];
      std::string port_path = path + ".ports[" + std::to_string(i) + "]";
      if (!port.is_object()) Invalid(port_path, "Invalid value: expected an object");
      DefaultEnum(port, "protocol", port_path, {"TCP", "UDP", "SCTP"}, "TCP");
    }
  }
}

void CheckContainers(json& spec, const std::string& key, std::set<std::string>& names, bool required) {
  std::string path = "spec." + key;
  if (!spec.contains(key) || spec[key].is_null() || (spec[key].is_array() && spec[key].empty())) {
    if (required) Invalid(path, "Required value");
    return;
  }
  if (!spec[key].is_array()) Invalid(path, "Invalid value: expected a list");
  for (size_t i = 0; i < spec[key].size(); ++i) {
    CheckContainer(spec[key][i], path + "[" + std::to_string(i) + "]", names);
  }
}

}  // namespace

std::string DefaultPullPolicy(const std::string& image) {
  // name[:tag][@digest]; a ':' before the last '/' belongs to a registry's port, not a tag.
  size_t at = image.find('@');
  std::string name = image.substr(0, at);
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  bool has_tag = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  std::string tag = has_tag ? name.substr(colon + 1) : "";
  if (tag == "latest" || (!has_tag && at == std::string::npos)) return "Always";
  return "IfNotPresent";
}

void DefaultAndValidatePodSpec(json& spec) {
  if (!spec.is_object()) Invalid("spec", "Invalid value: expected an object");
  std::set<std::string> names;
  CheckContainers(spec, "containers", names, true);
  CheckContainers(spec, "initContainers", names, false);
  DefaultEnum(spec, "restartPolicy", "spec", {"Always", "OnFailure", "Never"}, "Always");
  DefaultEnum(spec, "dnsPolicy", "spec", {"ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"},
              "ClusterFirst");
  Default(spec, "terminationGracePeriodSeconds", 30);
  const json& grace = spec["terminationGracePeriodSeconds"];
  if (!grace.is_number_integer() || grace.get<long long>() < 0) {
    Invalid("spec.terminationGracePeriodSeconds",
            "Invalid value: " + Quoted(grace) + ": must be a non-negative integer");
  }
  Default(spec, "schedulerName", "default-scheduler");
  Default(spec, "enableServiceLinks", true);
  Default(spec, "securityContext", json::object());
  if (spec.contains("tolerations") && !spec["tolerations"].is_null() && !spec["tolerations"].is_array()) {
    Invalid("spec.tolerations", "Invalid value: expected a list");
  }
}

}  // namespace hostlet::agent
