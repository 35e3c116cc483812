// The cluster's own objects: nodes, namespaces, events and leases.
#include "controlplane/apiserver/table_format.h"
#include "controlplane/apiserver/table_printers.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

constexpr const char* kNodeAddressesDescription =
    "List of addresses reachable to the node. Queried from cloud provider, if available. More "
    "info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is "
    "declared as mergeable, but the merge key is not sufficiently unique, which can cause data "
    "corruption when it is merged. Callers should instead use a full-replacement patch. See "
    "https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change "
    "during the lifetime of a Node. However, there are some exceptions where this may not be "
    "possible, such as Pods that inherit a Node's address in its own status or consumers of the "
    "downward API (status.hostIP).";

// "Ready" or "NotReady" from the Ready condition, "Unknown" without one; cordoned nodes add
// ",SchedulingDisabled".
std::string NodeStatus(const json& node) {
  std::string status = "Unknown";
  // The last Ready condition wins, as a map keyed by type would keep it.
  for (const auto& condition : ArrayOf(At(node, {"status", "conditions"}))) {
    if (StringAt(condition, {"type"}) != "Ready") continue;
    status = StringAt(condition, {"status"}) == "True" ? "Ready" : "NotReady";
  }
  if (BoolAt(node, {"spec", "unschedulable"})) status += ",SchedulingDisabled";
  return status;
}

// Roles from `node-role.kubernetes.io/<role>` label keys and the older
// `kubernetes.io/role=<role>` label, sorted.
std::string NodeRoles(const json& node) {
  static constexpr std::string_view kRolePrefix = "node-role.kubernetes.io/";
  std::set<std::string> roles;
  const json& labels = At(node, {"metadata", "labels"});
  if (labels.is_object()) {
    for (const auto& [key, value] : labels.items()) {
      if (key.starts_with(kRolePrefix)) {
        if (key.size() > kRolePrefix.size()) roles.insert(key.substr(kRolePrefix.size()));
      } else if (key == "kubernetes.io/role" && value.is_string() &&
                 !value.get<std::string>().empty()) {
        roles.insert(value.get<std::string>());
      }
    }
  }
  if (roles.empty()) return "<none>";
  return Join(std::vector<std::string>(roles.begin(), roles.end()), ",");
}

std::string NodeAddress(const json& node, const std::string& type) {
  for (const auto& address : ArrayOf(At(node, {"status", "addresses"}))) {
    if (StringAt(address, {"type"}) == type) return StringAt(address, {"address"});
  }
  return "<none>";
}

std::string OrUnknown(const std::string& value) { return value.empty() ? "<unknown>" : value; }

PrintedRow PrintNode(const json& node, Clock::time_point now) {
  const json& info = At(node, {"status", "nodeInfo"});
  PrintedRow row;
  row.cells = json::array({StringAt(node, {"metadata", "name"}), NodeStatus(node), NodeRoles(node),
                           Since(At(node, {"metadata", "creationTimestamp"}), now),
                           StringAt(info, {"kubeletVersion"}), NodeAddress(node, "InternalIP"),
                           NodeAddress(node, "ExternalIP"), OrUnknown(StringAt(info, {"osImage"})),
                           OrUnknown(StringAt(info, {"kernelVersion"})),
                           OrUnknown(StringAt(info, {"containerRuntimeVersion"}))});
  return row;
}

PrintedRow PrintNamespace(const json& ns, Clock::time_point now) {
  PrintedRow row;
  row.cells = json::array({StringAt(ns, {"metadata", "name"}), StringAt(ns, {"status", "phase"}),
                           Since(At(ns, {"metadata", "creationTimestamp"}), now)});
  return row;
}

std::string TrimSpace(const std::string& text) {
  static constexpr const char* kSpace = " \t\n\v\f\r";
  auto first = text.find_first_not_of(kSpace);
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

// "kubelet, node-1": the reporting component and the host it ran on, from the old source
// fields or, for events written through events.k8s.io, the reporting ones.
std::string EventSource(const json& event) {
  std::string component = StringAt(event, {"source", "component"});
  if (component.empty()) component = StringAt(event, {"reportingComponent"});
  std::string host = StringAt(event, {"source", "host"});
  if (host.empty()) host = StringAt(event, {"reportingInstance"});
  return host.empty() ? component : component + ", " + host;
}

PrintedRow PrintEvent(const json& event, Clock::time_point now) {
  // Events from events.k8s.io carry eventTime and a series instead of the old timestamps
  // and count.
  std::string first_seen = At(event, {"firstTimestamp"}).is_null()
                               ? Since(At(event, {"eventTime"}), now)
                               : Since(At(event, {"firstTimestamp"}), now);
  std::string last_seen = At(event, {"lastTimestamp"}).is_null()
                              ? first_seen
                              : Since(At(event, {"lastTimestamp"}), now);
  std::int64_t count = IntAt(event, {"count"});
  if (At(event, {"series"}).is_object()) {
    last_seen = Since(At(event, {"series", "lastObservedTime"}), now);
    count = IntAt(event, {"series", "count"});
  } else if (count == 0) {
    count = 1;
  }

  std::string kind = StringAt(event, {"involvedObject", "kind"});
  std::transform(kind.begin(), kind.end(), kind.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string name = StringAt(event, {"involvedObject", "name"});
  std::string object = name.empty() ? kind : kind + "/" + name;

  PrintedRow row;
  row.cells = json::array({last_seen, StringAt(event, {"type"}), StringAt(event, {"reason"}),
                           object, StringAt(event, {"involvedObject", "fieldPath"}),
                           EventSource(event), TrimSpace(StringAt(event, {"message"})), first_seen,
                           count, StringAt(event, {"metadata", "name"})});
  return row;
}

PrintedRow PrintLease(const json& lease, Clock::time_point now) {
  PrintedRow row;
  row.cells = json::array({StringAt(lease, {"metadata", "name"}),
                           StringAt(lease, {"spec", "holderIdentity"}),
                           Since(At(lease, {"metadata", "creationTimestamp"}), now)});
  return row;
}

}  // namespace

Printer NodePrinter() {
  return {
      {
          NameColumn(),
          StringColumn("Status", "The status of the node"),
          StringColumn("Roles", "The roles of the node"),
          AgeColumn(),
          StringColumn("Version", "Kubelet Version reported by the node."),
          StringColumn("Internal-IP", kNodeAddressesDescription, 1),
          StringColumn("External-IP", kNodeAddressesDescription, 1),
          StringColumn("OS-Image",
                       "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux "
                       "7 (wheezy)).",
                       1),
          StringColumn("Kernel-Version",
                       "Kernel Version reported by the node from 'uname -r' (e.g. "
                       "3.16.0-0.bpo.4-amd64).",
                       1),
          StringColumn("Container-Runtime",
                       "ContainerRuntime Version reported by the node through runtime remote API "
                       "(e.g. containerd://1.4.2).",
                       1),
      },
      PrintNode,
  };
}

Printer NamespacePrinter() {
  return {{NameColumn(), StringColumn("Status", "The status of the namespace"), AgeColumn()},
          PrintNamespace};
}

Printer EventPrinter() {
  return {
      {
          StringColumn("Last Seen",
                       "The time at which the most recent occurrence of this event was recorded."),
          StringColumn("Type",
                       "Type of this event (Normal, Warning), new types could be added in the "
                       "future"),
          StringColumn("Reason",
                       "This should be a short, machine understandable string that gives the "
                       "reason for the transition into the object's current status."),
          StringColumn("Object", "The object that this event is about."),
          StringColumn(
              "Subobject",
              "If referring to a piece of an object instead of an entire object, this string "
              "should contain a valid JSON/Go field access statement, such as "
              "desiredState.manifest.containers[2]. For example, if the object reference is to a "
              "container within a pod, this would take on a value like: \"spec.containers{name}\" "
              "(where \"name\" refers to the name of the container that triggered the event) or "
              "if no container name is specified \"spec.containers[2]\" (container with index 2 "
              "in this pod). This syntax is chosen only to have some well-defined way of "
              "referencing a part of an object.",
              1),
          StringColumn("Source",
                       "The component reporting this event. Should be a short machine "
                       "understandable string.",
                       1),
          StringColumn("Message", "A human-readable description of the status of this operation."),
          StringColumn("First Seen",
                       "The time at which the event was first recorded. (Time of server receipt "
                       "is in TypeMeta.)",
                       1),
          StringColumn("Count", "The number of times this event has occurred.", 1),
          NameColumn(1),
      },
      PrintEvent,
  };
}

Printer LeasePrinter() {
  return {{NameColumn(),
           StringColumn("Holder",
                        "holderIdentity contains the identity of the holder of a current lease. "
                        "If Coordinated Leader Election is used, the holder identity must be "
                        "equal to the elected LeaseCandidate.metadata.name field."),
           AgeColumn()},
          PrintLease};
}

}  // namespace hostlet::apiserver
