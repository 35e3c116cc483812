#include "controlplane/scheduler/requests.h"

#include "controlplane/apiserver/quantity.h"
#include "controlplane/scheduler/json_fields.h"

#include <algorithm>

namespace hostlet::scheduler {
namespace {

using nlohmann::json;

constexpr std::int64_t kDefaultMilliCpu = 100;
constexpr std::int64_t kDefaultMemory = 200LL * 1024 * 1024;

// Requests of one container, with limits standing in for missing requests.
Resources ContainerRequests(const json& container) {
  const json& resources = Field(container, "resources");
  Resources out = ParseResourceList(Field(resources, "limits"));
  Resources requested = ParseResourceList(Field(resources, "requests"));
  if (Field(Field(resources, "requests"), "cpu").is_null()) requested.milli_cpu = out.milli_cpu;
  if (Field(Field(resources, "requests"), "memory").is_null()) requested.memory = out.memory;
  for (const auto& [name, value] : out.scalar) requested.scalar.emplace(name, value);
  return requested;
}

Resources Sum(const json& pod, bool non_zero) {
  const json& spec = Field(pod, "spec");
  Resources total;
  const json& containers = Field(spec, "containers");
  if (containers.is_array()) {
    for (const auto& container : containers) {
      Resources one = ContainerRequests(container);
      if (non_zero) {
        if (one.milli_cpu == 0) one.milli_cpu = kDefaultMilliCpu;
        if (one.memory == 0) one.memory = kDefaultMemory;
      }
      total.Add(one);
    }
  }
  const json& init = Field(spec, "initContainers");
  if (init.is_array()) {
    for (const auto& container : init) total.Max(ContainerRequests(container));
  }
  total.Add(ParseResourceList(Field(spec, "overhead")));
  return total;
}

}  // namespace

void Resources::Add(const Resources& other) {
  milli_cpu += other.milli_cpu;
  memory += other.memory;
  for (const auto& [name, value] : other.scalar) scalar[name] += value;
}

void Resources::Subtract(const Resources& other) {
  milli_cpu -= other.milli_cpu;
  memory -= other.memory;
  for (const auto& [name, value] : other.scalar) {
    auto it = scalar.find(name);
    if (it == scalar.end()) continue;
    it->second -= value;
    if (it->second == 0) scalar.erase(it);
  }
}

void Resources::Max(const Resources& other) {
  milli_cpu = std::max(milli_cpu, other.milli_cpu);
  memory = std::max(memory, other.memory);
  for (const auto& [name, value] : other.scalar) {
    auto& mine = scalar[name];
    mine = std::max(mine, value);
  }
}

Resources ParseResourceList(const json& list) {
  Resources out;
  if (!list.is_object()) return out;
  for (const auto& [name, value] : list.items()) {
    auto quantity = apiserver::QuantityOf(value);
    if (!quantity) continue;
    if (name == "cpu") {
      out.milli_cpu = apiserver::CeilMilli(*quantity);
    } else if (name == "memory") {
      out.memory = apiserver::CeilUnits(*quantity);
    } else if (name != "pods") {
      out.scalar[name] = apiserver::CeilUnits(*quantity);
    }
  }
  return out;
}

Resources PodRequests(const json& pod) { return Sum(pod, false); }

Resources NonZeroPodRequests(const json& pod) { return Sum(pod, true); }

Resources NodeAllocatable(const json& node, std::int64_t* pods) {
  const json& status = Field(node, "status");
  const json* list = &Field(status, "allocatable");
  if (!list->is_object() || list->empty()) list = &Field(status, "capacity");
  if (pods != nullptr) {
    auto count = apiserver::QuantityOf(Field(*list, "pods"));
    *pods = count ? apiserver::CeilUnits(*count) : 0;
  }
  return ParseResourceList(*list);
}

}  // namespace hostlet::scheduler
