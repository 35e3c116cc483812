#include "kubelet/agent/admission.h"

#include "kubelet/agent/cri_config.h"
#include "kubelet/volumes/quantity.h"

#include <algorithm>
#include <stdexcept>

namespace hostlet::agent {

using nlohmann::json;
using Requests = std::map<std::string, std::int64_t>;

namespace {

std::int64_t Amount(const std::string& resource, const json& value, const std::string& where) {
  auto text = QuantityText(value);
  auto amount = text ? (resource == "cpu" ? MilliValue(*text) : Value(*text)) : std::nullopt;
  if (!amount) {
    throw std::invalid_argument(where + ": " + value.dump() + " is not a quantity of " + resource);
  }
  return *amount;
}

Requests ContainerRequests(const json& container) {
  Requests requests;
  const json& resources = container.value("resources", json::object());
  if (!resources.is_object()) return requests;
  const std::string name = container.value("name", "");
  for (const char* which : {"limits", "requests"}) {  // requests override what limits gave
    const json& amounts = resources.value(which, json::object());
    if (!amounts.is_object()) continue;
    for (const auto& [resource, value] : amounts.items()) {
      requests[resource] =
          Amount(resource, value, "container " + name + " resources." + which + "." + resource);
    }
  }
  return requests;
}

std::string Unit(const std::string& resource, std::int64_t amount) {
  return std::to_string(amount) + (resource == "cpu" ? "m" : "");
}

}  // namespace

Requests PodRequests(const json& pod) {
  Requests sum;
  for (const auto& container : Items(pod, "/spec/containers")) {
    for (const auto& [resource, amount] : ContainerRequests(container)) sum[resource] += amount;
  }
  for (const auto& container : Items(pod, "/spec/initContainers")) {
    for (const auto& [resource, amount] : ContainerRequests(container))
      sum[resource] = std::max(sum[resource], amount);
  }
  const json& overhead = pod.value("spec", json::object()).value("overhead", json::object());
  if (overhead.is_object()) {
    for (const auto& [resource, value] : overhead.items())
      sum[resource] += Amount(resource, value, "spec.overhead." + resource);
  }
  sum["pods"] = 1;
  return sum;
}

Admission PodAdmitter::Admit(const json& pod, const json& allocatable) {
  Requests wanted;
  try {
    wanted = PodRequests(pod);
  } catch (const std::invalid_argument& bad) {
    return {false, "UnexpectedAdmissionError", bad.what()};
  }
  const std::string uid = Text(pod, "/metadata/uid");
  std::lock_guard lock(mutex_);
  Requests used;
  for (const auto& [other, requests] : admitted_) {
    if (other == uid) continue;
    for (const auto& [resource, amount] : requests) used[resource] += amount;
  }
  for (const auto& [resource, amount] : wanted) {
    // Only what the node offers, or a resource it cannot have (an extended one, with a '/').
    bool offered = allocatable.is_object() && allocatable.contains(resource);
    if (amount == 0 || (!offered && resource.find('/') == std::string::npos)) continue;
    std::int64_t capacity = 0;
    if (offered) {
      try {
        capacity = Amount(resource, allocatable[resource], "allocatable");
      } catch (const std::invalid_argument&) {
        continue;
      }
    }
    if (used[resource] + amount <= capacity) continue;
    return {false, "OutOf" + resource,
            "Node didn't have enough resource: " + resource + ", requested: " +
                Unit(resource, amount) + ", used: " + Unit(resource, used[resource]) +
                ", capacity: " + Unit(resource, capacity)};
  }
  admitted_[uid] = std::move(wanted);
  return {};
}

void PodAdmitter::Adopt(const json& pod) {
  Requests requests;
  try {
    requests = PodRequests(pod);
  } catch (const std::invalid_argument&) {
    requests = {{"pods", 1}};
  }
  std::lock_guard lock(mutex_);
  admitted_[Text(pod, "/metadata/uid")] = std::move(requests);
}

void PodAdmitter::Release(const std::string& uid) {
  std::lock_guard lock(mutex_);
  admitted_.erase(uid);
}

}  // namespace hostlet::agent
