#include "controlplane/scheduler/filters.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string_view>

namespace hostlet::scheduler {
namespace {

bool ParseInt(const std::string& text, std::int64_t* value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool Contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// `present` and `actual` describe the label (or field) the requirement looks at.
bool Holds(const NodeRequirement& requirement, bool present, const std::string& actual) {
  using Op = NodeRequirement::Op;
  switch (requirement.op) {
    case Op::kIn:
      return present && Contains(requirement.values, actual);
    case Op::kNotIn:
      return !present || !Contains(requirement.values, actual);
    case Op::kExists:
      return present;
    case Op::kDoesNotExist:
      return !present;
    case Op::kGt:
    case Op::kLt: {
      std::int64_t have = 0;
      std::int64_t bound = 0;
      if (!present || requirement.values.size() != 1 || !ParseInt(actual, &have) ||
          !ParseInt(requirement.values[0], &bound)) {
        return false;
      }
      return requirement.op == Op::kGt ? have > bound : have < bound;
    }
    case Op::kInvalid:
      return false;
  }
  return false;
}

bool Tolerated(const std::vector<Toleration>& tolerations, const Taint& taint) {
  return std::any_of(tolerations.begin(), tolerations.end(),
                     [&](const Toleration& toleration) { return Tolerates(toleration, taint); });
}

bool PortsConflict(const HostPort& a, const HostPort& b) {
  if (a.port != b.port || a.protocol != b.protocol) return false;
  return a.ip == b.ip || a.ip == "0.0.0.0" || b.ip == "0.0.0.0";
}

// Reasons are only wanted when no node fits; the search that finds a node passes none, so the
// common path builds no strings.
void Explain(Reasons* reasons, std::string_view reason) {
  if (reasons != nullptr) reasons->emplace_back(reason);
}

}  // namespace

bool Tolerates(const Toleration& toleration, const Taint& taint) {
  if (!toleration.effect.empty() && toleration.effect != taint.effect) return false;
  // An empty key tolerates every key, but only with Exists.
  if (toleration.key.empty()) return toleration.exists;
  if (toleration.key != taint.key) return false;
  return toleration.exists || toleration.value == taint.value;
}

bool MatchesTerm(const NodeSelectorTerm& term, const NodeSpec& node) {
  // A term that asks for nothing selects nothing.
  if (term.expressions.empty() && term.fields.empty()) return false;
  for (const auto& requirement : term.expressions) {
    auto label = node.labels.find(requirement.key);
    bool present = label != node.labels.end();
    if (!Holds(requirement, present, present ? label->second : std::string())) return false;
  }
  for (const auto& requirement : term.fields) {
    if (requirement.key != "metadata.name") return false;
    if (!Holds(requirement, true, node.name)) return false;
  }
  return true;
}

bool CheckNodeReady(const NodeInfo& node, Reasons* reasons) {
  if (node.spec.ready) return true;
  Explain(reasons, "node(s) were not ready");
  return false;
}

bool CheckNodeUnschedulable(const PodInfo& pod, const NodeInfo& node, Reasons* reasons) {
  if (!node.spec.unschedulable) return true;
  if (Tolerated(pod.tolerations, {"node.kubernetes.io/unschedulable", "", "NoSchedule"})) {
    return true;
  }
  Explain(reasons, "node(s) were unschedulable");
  return false;
}

bool CheckTaints(const PodInfo& pod, const NodeInfo& node, Reasons* reasons) {
  for (const auto& taint : node.spec.taints) {
    if (taint.effect != "NoSchedule" && taint.effect != "NoExecute") continue;
    if (Tolerated(pod.tolerations, taint)) continue;
    if (reasons != nullptr) {
      reasons->push_back("node(s) had untolerated taint {" + taint.key + ": " + taint.value + "}");
    }
    return false;
  }
  return true;
}

bool CheckNodeAffinity(const PodInfo& pod, const NodeInfo& node, Reasons* reasons) {
  bool matches = true;
  for (const auto& [key, value] : pod.node_selector) {
    auto label = node.spec.labels.find(key);
    if (label == node.spec.labels.end() || label->second != value) {
      matches = false;
      break;
    }
  }
  if (matches && pod.has_required_affinity) {
    matches =
        std::any_of(pod.required_terms.begin(), pod.required_terms.end(),
                    [&](const NodeSelectorTerm& term) { return MatchesTerm(term, node.spec); });
  }
  if (!matches) Explain(reasons, "node(s) didn't match Pod's node affinity/selector");
  return matches;
}

bool CheckHostPorts(const PodInfo& pod, const NodeInfo& node, Reasons* reasons) {
  for (const auto& wanted : pod.host_ports) {
    for (const auto& used : node.used_ports) {
      if (PortsConflict(wanted, used)) {
        Explain(reasons, "node(s) didn't have free ports for the requested pod ports");
        return false;
      }
    }
  }
  return true;
}

bool CheckResources(const PodInfo& pod, const NodeInfo& node, Reasons* reasons) {
  bool fits = true;
  auto fail = [&](std::string_view reason, const std::string& name = "") {
    fits = false;
    if (reasons != nullptr) reasons->push_back(std::string(reason) + name);
  };
  if (node.pod_count + 1 > node.spec.allowed_pods) fail("Too many pods");
  const Resources& want = pod.requests;
  const Resources& have = node.spec.allocatable;
  const Resources& used = node.requested;
  if (want.milli_cpu > 0 && want.milli_cpu > have.milli_cpu - used.milli_cpu) {
    fail("Insufficient cpu");
  }
  if (want.memory > 0 && want.memory > have.memory - used.memory) {
    fail("Insufficient memory");
  }
  for (const auto& [name, amount] : want.scalar) {
    if (amount <= 0) continue;
    auto offered = have.scalar.find(name);
    auto taken = used.scalar.find(name);
    std::int64_t left = (offered == have.scalar.end() ? 0 : offered->second) -
                        (taken == used.scalar.end() ? 0 : taken->second);
    if (amount > left) fail("Insufficient ", name);
  }
  return fits;
}

bool RunFilters(const PodInfo& pod, const NodeInfo& node, Reasons* reasons) {
  return CheckNodeReady(node, reasons) && CheckNodeUnschedulable(pod, node, reasons) &&
         CheckTaints(pod, node, reasons) && CheckNodeAffinity(pod, node, reasons) &&
         CheckHostPorts(pod, node, reasons) && CheckResources(pod, node, reasons);
}

}  // namespace hostlet::scheduler
