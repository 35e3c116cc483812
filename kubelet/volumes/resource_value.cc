#include "kubelet/volumes/resource_value.h"

#include "kubelet/volumes/pod_config_error.h"
#include "kubelet/volumes/quantity.h"

#include <cstdint>
#include <optional>

namespace hostlet::agent {
namespace {

std::string StringField(const nlohmann::json& object, const char* field) {
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// The quantity at resources.<group>.<name>, if set.
std::optional<std::string> Declared(const nlohmann::json& container, const char* group,
                                    const std::string& name) {
  auto resources = container.find("resources");
  if (resources == container.end() || !resources->is_object()) return std::nullopt;
  auto values = resources->find(group);
  if (values == resources->end() || !values->is_object()) return std::nullopt;
  auto it = values->find(name);
  if (it == values->end()) return std::nullopt;
  return QuantityText(*it);
}

const nlohmann::json* FindContainer(const nlohmann::json& pod, const std::string& name) {
  auto spec = pod.find("spec");
  if (spec == pod.end() || !spec->is_object()) return nullptr;
  for (const char* list : {"containers", "initContainers"}) {
    auto containers = spec->find(list);
    if (containers == spec->end() || !containers->is_array()) continue;
    for (const auto& candidate : *containers) {
      if (StringField(candidate, "name") == name) return &candidate;
    }
  }
  return nullptr;
}

}  // namespace

std::string ResourceFieldValue(const nlohmann::json& pod, const nlohmann::json& container,
                               const nlohmann::json& selector,
                               const nlohmann::json& node_allocatable) {
  const std::string resource = StringField(selector, "resource");
  const nlohmann::json* target = &container;
  if (auto name = StringField(selector, "containerName"); !name.empty()) {
    target = FindContainer(pod, name);
    if (target == nullptr)
      ThrowConfigError("resourceFieldRef: container \"" + name + "\" not found in the pod");
  }

  const bool limits = resource.rfind("limits.", 0) == 0;
  const bool requests = resource.rfind("requests.", 0) == 0;
  const std::string name = resource.substr(resource.find('.') + 1);
  if ((!limits && !requests) ||
      (name != "cpu" && name != "memory" && name != "ephemeral-storage")) {
    ThrowConfigError("unsupported container resource : " + resource);
  }

  std::optional<std::string> amount;
  if (limits) {
    amount = Declared(*target, "limits", name);
    if (!amount && node_allocatable.is_object() && node_allocatable.contains(name)) {
      amount = QuantityText(node_allocatable[name]);
      if (!amount) ThrowConfigError("the node's allocatable " + name + " is not a quantity");
    }
    if (!amount)
      ThrowConfigError("resourceFieldRef " + resource +
                       ": no limit is set and the node's allocatable " + name + " is unknown");
  } else {
    amount = Declared(*target, "requests", name);
    if (!amount) amount = Declared(*target, "limits", name);
    if (!amount) amount = "0";
  }

  std::string divisor_text = "1";
  if (auto it = selector.find("divisor"); it != selector.end() && !it->is_null()) {
    auto text = QuantityText(*it);
    if (!text) ThrowConfigError("resourceFieldRef " + resource + ": divisor is not a quantity");
    divisor_text = *text;
  }
  // cpu is compared in millicores (a divisor of "1m" is valid), everything else in units.
  const int scale = name == "cpu" ? 3 : 0;
  auto value = ScaledQuantity(*amount, scale);
  auto divisor = ScaledQuantity(divisor_text, scale);
  if (!value)
    ThrowConfigError("resourceFieldRef " + resource + ": \"" + *amount + "\" is not a quantity");
  if (!divisor || *divisor == 0)
    ThrowConfigError("resourceFieldRef " + resource + ": invalid divisor \"" + divisor_text + "\"");
  const std::int64_t whole = *value / *divisor + (*value % *divisor != 0 ? 1 : 0);
  return std::to_string(whole);
}

}  // namespace hostlet::agent
