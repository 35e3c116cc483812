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

constexpr const char* kNodeAddressesDescription = "The addresses the node reports";

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
          StringColumn("Status", "Ready or NotReady, and whether scheduling is disabled"),
          StringColumn("Roles", "Roles from the node's node-role.kubernetes.io labels"),
          AgeColumn(),
          StringColumn("Version", "The node agent's version"),
          StringColumn("Internal-IP", kNodeAddressesDescription, 1),
          StringColumn("External-IP", kNodeAddressesDescription, 1),
          StringColumn("OS-Image", "The operating system image the node reports", 1),
          StringColumn("Kernel-Version", "The kernel release the node reports", 1),
          StringColumn("Container-Runtime", "The container runtime and version the node reports",
                       1),
      },
      PrintNode,
  };
}

Printer NamespacePrinter() {
  return {{NameColumn(), StringColumn("Status", "Active or Terminating"), AgeColumn()},
          PrintNamespace};
}

Printer EventPrinter() {
  return {
      {
          StringColumn("Last Seen", "When the event last happened"),
          StringColumn("Type", "Normal or Warning"),
          StringColumn("Reason", "A short machine-readable cause"),
          StringColumn("Object", "The object the event concerns"),
          StringColumn("Subobject", "The part of the object, when the event is about one", 1),
          StringColumn("Source", "The component that reported the event", 1),
          StringColumn("Message", "What happened, for people"),
          StringColumn("First Seen", "When the event first happened", 1),
          StringColumn("Count", "How often the event happened", 1),
          NameColumn(1),
      },
      PrintEvent,
  };
}

Printer LeasePrinter() {
  return {{NameColumn(), StringColumn("Holder", "Who holds the lease"), AgeColumn()}, PrintLease};
}

}  // namespace hostlet::apiserver
