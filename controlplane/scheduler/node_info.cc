#include "controlplane/scheduler/node_info.h"

#include "controlplane/scheduler/json_fields.h"

#include <algorithm>

namespace hostlet::scheduler {

using nlohmann::json;

NodeSpec ParseNode(const json& node) {
  NodeSpec spec;
  const json& metadata = Field(node, "metadata");
  spec.name = String(metadata, "name");
  const json& labels = Field(metadata, "labels");
  if (labels.is_object()) {
    for (const auto& [key, value] : labels.items()) {
      spec.labels.emplace(key, value.is_string() ? value.get<std::string>() : "");
    }
  }
  const json& node_spec = Field(node, "spec");
  spec.unschedulable = Field(node_spec, "unschedulable") == true;
  const json& taints = Field(node_spec, "taints");
  if (taints.is_array()) {
    for (const auto& taint : taints) {
      spec.taints.push_back(
          {String(taint, "key"), String(taint, "value"), String(taint, "effect")});
    }
  }
  const json& conditions = Field(Field(node, "status"), "conditions");
  if (conditions.is_array()) {
    for (const auto& condition : conditions) {
      if (String(condition, "type") == "Ready") spec.ready = String(condition, "status") == "True";
    }
  }
  spec.allocatable = NodeAllocatable(node, &spec.allowed_pods);
  return spec;
}

void NodeInfo::AddPod(const PodInfo& pod) {
  requested.Add(pod.requests);
  non_zero_requested.Add(pod.non_zero_requests);
  ++pod_count;
  used_ports.insert(used_ports.end(), pod.host_ports.begin(), pod.host_ports.end());
}

void NodeInfo::RemovePod(const PodInfo& pod) {
  requested.Subtract(pod.requests);
  non_zero_requested.Subtract(pod.non_zero_requests);
  --pod_count;
  for (const auto& port : pod.host_ports) {
    auto it = std::find(used_ports.begin(), used_ports.end(), port);
    if (it != used_ports.end()) used_ports.erase(it);
  }
}

}  // namespace hostlet::scheduler
