// Pods: READY, STATUS and RESTARTS as `kubectl get pods` has shown them since sidecars (restartable
// init containers) arrived in Kubernetes 1.28.
#include "controlplane/apiserver/table_format.h"
#include "controlplane/apiserver/table_printers.h"

#include <map>
#include <optional>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

// The kubelet's reason for pods whose node stopped answering (and which the node lifecycle
// controller is deleting): those read "Unknown" rather than "Terminating".
constexpr const char* kNodeLostReason = "NodeLost";

bool ConditionTrue(const json& pod, const std::string& type) {
  for (const auto& condition : ArrayOf(At(pod, {"status", "conditions"}))) {
    if (StringAt(condition, {"type"}) == type) return StringAt(condition, {"status"}) == "True";
  }
  return false;
}

// A sidecar: an init container that keeps running next to the app containers.
bool IsRestartable(const json* init_container) {
  return init_container != nullptr && StringAt(*init_container, {"restartPolicy"}) == "Always";
}

// When a container last stopped before its current run, from lastState.terminated.finishedAt.
class LastRestart {
 public:
  void Consider(const json& container_status) {
    const json& finished = At(container_status, {"lastState", "terminated", "finishedAt"});
    if (!finished.is_string()) return;
    auto time = ParseTimestamp(finished.get_ref<const std::string&>());
    if (time && (!latest_ || *latest_ < *time)) latest_ = time;
  }
  const std::optional<Clock::time_point>& latest() const { return latest_; }

 private:
  std::optional<Clock::time_point> latest_;
};

// "Signal:9" or "ExitCode:137" for a container that stopped without a reason.
std::string ExitText(const json& terminated) {
  std::int64_t signal = IntAt(terminated, {"signal"});
  if (signal != 0) return "Signal:" + std::to_string(signal);
  return "ExitCode:" + std::to_string(IntAt(terminated, {"exitCode"}));
}

std::string PodIp(const json& status) {
  // Kubernetes fills podIPs from podIP when only the latter was written.
  const json& ips = ArrayOf(At(status, {"podIPs"}));
  std::string ip = ips.empty() ? StringAt(status, {"podIP"}) : StringAt(ips[0], {"ip"});
  return ip.empty() ? "<none>" : ip;
}

std::string ReadinessGates(const json& pod) {
  const json& gates = ArrayOf(At(pod, {"spec", "readinessGates"}));
  if (gates.empty()) return "<none>";
  int satisfied = 0;
  for (const auto& gate : gates) {
    std::string type = StringAt(gate, {"conditionType"});
    for (const auto& condition : ArrayOf(At(pod, {"status", "conditions"}))) {
      if (StringAt(condition, {"type"}) != type) continue;
      if (StringAt(condition, {"status"}) == "True") ++satisfied;
      break;
    }
  }
  return std::to_string(satisfied) + "/" + std::to_string(gates.size());
}

std::string OrNone(const std::string& value) { return value.empty() ? "<none>" : value; }

PrintedRow PrintPod(const json& pod, Clock::time_point now) {
  const json& spec = At(pod, {"spec"});
  const json& status = At(pod, {"status"});
  PrintedRow row;

  std::string phase = StringAt(status, {"phase"});
  std::string reason = StringAt(status, {"reason"});
  if (reason.empty()) reason = phase;
  for (const auto& condition : ArrayOf(At(status, {"conditions"}))) {
    if (StringAt(condition, {"type"}) == "PodScheduled" &&
        StringAt(condition, {"reason"}) == "SchedulingGated") {
      reason = "SchedulingGated";
    }
  }
  // Finished pods say so in a row condition, which clients use to tell them apart.
  if (phase == "Succeeded") {
    row.conditions = json::array({{{"type", "Completed"},
                                   {"status", "True"},
                                   {"reason", "Succeeded"},
                                   {"message", "The pod has completed successfully."}}});
  } else if (phase == "Failed") {
    row.conditions = json::array({{{"type", "Completed"},
                                   {"status", "True"},
                                   {"reason", "Failed"},
                                   {"message", "The pod failed."}}});
  }

  // Sidecars count as containers of the pod, for READY and RESTARTS.
  std::int64_t total = CountOf(ArrayOf(At(spec, {"containers"})));
  std::map<std::string, const json*> init_containers;
  for (const auto& container : ArrayOf(At(spec, {"initContainers"}))) {
    init_containers[StringAt(container, {"name"})] = &container;
    if (IsRestartable(&container)) ++total;
  }
  auto init_container = [&](const json& container_status) -> const json* {
    auto found = init_containers.find(StringAt(container_status, {"name"}));
    return found == init_containers.end() ? nullptr : found->second;
  };

  std::int64_t ready = 0;
  std::int64_t restarts = 0;
  std::int64_t sidecar_restarts = 0;
  LastRestart last_restart, last_sidecar_restart;

  // Init containers run in order; the first that has not finished names the status.
  bool initializing = false;
  const json& init_statuses = ArrayOf(At(status, {"initContainerStatuses"}));
  for (size_t i = 0; i < init_statuses.size(); ++i) {
    const json& container = init_statuses[i];
    restarts += IntAt(container, {"restartCount"});
    last_restart.Consider(container);
    bool sidecar = IsRestartable(init_container(container));
    if (sidecar) {
      sidecar_restarts += IntAt(container, {"restartCount"});
      last_sidecar_restart.Consider(container);
    }
    const json& terminated = At(container, {"state", "terminated"});
    const json& waiting = At(container, {"state", "waiting"});
    if (terminated.is_object() && IntAt(terminated, {"exitCode"}) == 0) continue;
    if (sidecar && BoolAt(container, {"started"})) {
      if (BoolAt(container, {"ready"})) ++ready;
      continue;
    }
    if (terminated.is_object()) {
      std::string terminated_reason = StringAt(terminated, {"reason"});
      reason = "Init:" + (terminated_reason.empty() ? ExitText(terminated) : terminated_reason);
    } else if (std::string waiting_reason = StringAt(waiting, {"reason"});
               !waiting_reason.empty() && waiting_reason != "PodInitializing") {
      reason = "Init:" + waiting_reason;
    } else {
      reason = "Init:" + std::to_string(i) + "/" +
               std::to_string(ArrayOf(At(spec, {"initContainers"})).size());
    }
    initializing = true;
    break;
  }

  if (!initializing || ConditionTrue(pod, "Initialized")) {
    // Once the app containers run, restarts of finished init containers are history.
    restarts = sidecar_restarts;
    last_restart = last_sidecar_restart;
    bool has_running = false;
    const json& statuses = ArrayOf(At(status, {"containerStatuses"}));
    // Backwards, so that the first container's state is the one the status shows.
    for (size_t i = statuses.size(); i-- > 0;) {
      const json& container = statuses[i];
      restarts += IntAt(container, {"restartCount"});
      last_restart.Consider(container);
      const json& terminated = At(container, {"state", "terminated"});
      std::string waiting_reason = StringAt(container, {"state", "waiting", "reason"});
      std::string terminated_reason = StringAt(terminated, {"reason"});
      if (!waiting_reason.empty()) {
        reason = waiting_reason;
      } else if (!terminated_reason.empty()) {
        reason = terminated_reason;
      } else if (terminated.is_object()) {
        reason = ExitText(terminated);
      } else if (BoolAt(container, {"ready"}) && At(container, {"state", "running"}).is_object()) {
        has_running = true;
        ++ready;
      }
    }
    // A container that completed next to others still running does not make the pod completed.
    if (reason == "Completed" && has_running) {
      reason = ConditionTrue(pod, "Ready") ? "Running" : "NotReady";
    }
  }

  if (!At(pod, {"metadata", "deletionTimestamp"}).is_null()) {
    if (StringAt(status, {"reason"}) == kNodeLostReason) {
      reason = "Unknown";
    } else if (phase != "Succeeded" && phase != "Failed") {
      reason = "Terminating";
    }
  }

  std::string restarts_text = std::to_string(restarts);
  if (restarts != 0 && last_restart.latest()) {
    restarts_text += " (" + HumanDuration(now - *last_restart.latest()) + " ago)";
  }

  row.cells = json::array({StringAt(pod, {"metadata", "name"}),
                           std::to_string(ready) + "/" + std::to_string(total), reason,
                           restarts_text, Since(At(pod, {"metadata", "creationTimestamp"}), now),
                           PodIp(status), OrNone(StringAt(spec, {"nodeName"})),
                           OrNone(StringAt(status, {"nominatedNodeName"})), ReadinessGates(pod)});
  return row;
}

}  // namespace

Printer PodPrinter() {
  return {
      {
          NameColumn(),
          StringColumn("Ready", "Ready containers against all containers"),
          StringColumn("Status", "The pod's phase or the reason it is not running"),
          StringColumn("Restarts", "Container restarts, with the time of the last one"),
          AgeColumn(),
          StringColumn("IP", "The pod's address", 1),
          StringColumn("Node", "The node the pod is bound to", 1),
          StringColumn("Nominated Node",
                       "The node the scheduler picked while it preempts pods there", 1),
          StringColumn("Readiness Gates", "Readiness gates met against all gates", 1),
      },
      PrintPod,
  };
}

}  // namespace hostlet::apiserver
