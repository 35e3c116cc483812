#include "controlplane/scheduler/pod_info.h"

#include "controlplane/scheduler/json_fields.h"

namespace hostlet::scheduler {
namespace {

using nlohmann::json;

NodeRequirement::Op ParseOp(const std::string& op) {
  using Op = NodeRequirement::Op;
  if (op == "In") return Op::kIn;
  if (op == "NotIn") return Op::kNotIn;
  if (op == "Exists") return Op::kExists;
  if (op == "DoesNotExist") return Op::kDoesNotExist;
  if (op == "Gt") return Op::kGt;
  if (op == "Lt") return Op::kLt;
  return Op::kInvalid;
}

std::vector<NodeRequirement> ParseRequirements(const json& list) {
  std::vector<NodeRequirement> out;
  if (!list.is_array()) return out;
  for (const auto& item : list) {
    NodeRequirement requirement;
    requirement.key = String(item, "key");
    requirement.op = ParseOp(String(item, "operator"));
    const json& values = Field(item, "values");
    if (values.is_array()) {
      for (const auto& value : values) {
        if (value.is_string()) requirement.values.push_back(value.get<std::string>());
      }
    }
    out.push_back(std::move(requirement));
  }
  return out;
}

void ParsePorts(const json& containers, std::vector<HostPort>* out) {
  if (!containers.is_array()) return;
  for (const auto& container : containers) {
    const json& ports = Field(container, "ports");
    if (!ports.is_array()) continue;
    for (const auto& port : ports) {
      const json& host_port = Field(port, "hostPort");
      if (!host_port.is_number_integer() || host_port.get<int>() <= 0) continue;
      HostPort parsed{String(port, "hostIP"), String(port, "protocol"), host_port.get<int>()};
      if (parsed.ip.empty()) parsed.ip = "0.0.0.0";
      if (parsed.protocol.empty()) parsed.protocol = "TCP";
      out->push_back(std::move(parsed));
    }
  }
}

}  // namespace

PodInfo ParsePod(const json& pod) {
  PodInfo info;
  const json& metadata = Field(pod, "metadata");
  const json& spec = Field(pod, "spec");
  info.ns = String(metadata, "namespace");
  info.name = String(metadata, "name");
  info.uid = String(metadata, "uid");
  info.key = info.ns + "/" + info.name;
  info.deleting = !Field(metadata, "deletionTimestamp").is_null();
  info.node_name = String(spec, "nodeName");
  info.scheduler_name = String(spec, "schedulerName");
  if (info.scheduler_name.empty()) info.scheduler_name = "default-scheduler";
  std::string phase = String(Field(pod, "status"), "phase");
  info.terminal = phase == "Succeeded" || phase == "Failed";
  info.requests = PodRequests(pod);
  info.non_zero_requests = NonZeroPodRequests(pod);

  const json& selector = Field(spec, "nodeSelector");
  if (selector.is_object()) {
    for (const auto& [key, value] : selector.items()) {
      info.node_selector.emplace_back(key, value.is_string() ? value.get<std::string>() : "");
    }
  }
  const json& required = Field(Field(Field(spec, "affinity"), "nodeAffinity"),
                               "requiredDuringSchedulingIgnoredDuringExecution");
  if (required.is_object()) {
    info.has_required_affinity = true;
    const json& terms = Field(required, "nodeSelectorTerms");
    if (terms.is_array()) {
      for (const auto& term : terms) {
        info.required_terms.push_back({ParseRequirements(Field(term, "matchExpressions")),
                                       ParseRequirements(Field(term, "matchFields"))});
      }
    }
  }
  const json& tolerations = Field(spec, "tolerations");
  if (tolerations.is_array()) {
    for (const auto& item : tolerations) {
      info.tolerations.push_back({String(item, "key"), String(item, "operator") == "Exists",
                                  String(item, "value"), String(item, "effect")});
    }
  }
  ParsePorts(Field(spec, "containers"), &info.host_ports);
  ParsePorts(Field(spec, "initContainers"), &info.host_ports);
  return info;
}

}  // namespace hostlet::scheduler
