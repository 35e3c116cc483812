#include "kubelet/agent/pod_status.h"

#include "kubelet/agent/cri_config.h"

#include <ctime>

namespace hostlet::agent {

namespace cri_api = runtime::v1;
using nlohmann::json;

std::string FormatTime(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string FormatNanos(std::int64_t nanoseconds) {
  return FormatTime(std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(nanoseconds))));
}

namespace {

bool Exited(const ContainerRecord* record) {
  return record != nullptr && record->state == cri_api::CONTAINER_EXITED;
}
bool Running(const ContainerRecord* record) {
  return record != nullptr && record->state == cri_api::CONTAINER_RUNNING;
}

json Terminated(const ContainerRecord& record, const std::string& runtime_name) {
  std::string reason = record.reason;
  if (reason.empty() || reason == "Exited") reason = record.exit_code == 0 ? "Completed" : "Error";
  json terminated = {{"exitCode", record.exit_code},
                     {"reason", reason},
                     {"containerID", runtime_name + "://" + record.id}};
  if (record.started_at > 0) terminated["startedAt"] = FormatNanos(record.started_at);
  if (record.finished_at > 0) terminated["finishedAt"] = FormatNanos(record.finished_at);
  if (!record.message.empty()) terminated["message"] = record.message;
  return terminated;
}

struct InitProgress {
  bool done = true;     // every init container succeeded
  bool failed = false;  // one failed and will not be retried
};

InitProgress Initialization(const StatusInputs& in) {
  InitProgress progress;
  std::string policy = Text(*in.pod, "/spec/restartPolicy", "Always");
  for (const auto& container : Items(*in.pod, "/spec/initContainers")) {
    const ContainerRecord* latest = in.runtime->Latest(container.value("name", ""));
    if (Exited(latest) && latest->exit_code == 0) continue;
    progress.done = false;
    if (Exited(latest) && policy == "Never") progress.failed = true;
    break;
  }
  return progress;
}

json ContainerStatus(const StatusInputs& in, const json& container, bool init, bool initialized) {
  std::string name = container.value("name", "");
  const ContainerRecord* latest = in.runtime->Latest(name);
  const ContainerRecord* previous = in.runtime->Previous(name);
  json status = {{"name", name},
                 {"image", container.value("image", "")},
                 {"imageID", latest != nullptr ? latest->image_ref : ""},
                 {"restartCount", latest != nullptr ? latest->restart_count : 0},
                 {"ready", false},
                 {"started", false},
                 {"lastState", json::object()}};
  if (latest != nullptr) status["containerID"] = in.runtime_name + "://" + latest->id;
  auto waiting = in.waiting.find(name);
  if (Running(latest)) {
    status["state"] = {{"running", {{"startedAt", FormatNanos(latest->started_at)}}}};
    status["started"] = in.not_started.count(name) == 0;
    status["ready"] = !init && in.not_ready.count(name) == 0 && in.not_started.count(name) == 0;
    if (previous != nullptr && Exited(previous))
      status["lastState"] = {{"terminated", Terminated(*previous, in.runtime_name)}};
  } else if (Exited(latest) && waiting != in.waiting.end()) {
    // Exited and due to restart after a back-off.
    status["state"] = {
        {"waiting", {{"reason", waiting->second.reason}, {"message", waiting->second.message}}}};
    status["lastState"] = {{"terminated", Terminated(*latest, in.runtime_name)}};
  } else if (Exited(latest)) {
    status["state"] = {{"terminated", Terminated(*latest, in.runtime_name)}};
    if (previous != nullptr && Exited(previous))
      status["lastState"] = {{"terminated", Terminated(*previous, in.runtime_name)}};
  } else {
    std::string reason = waiting != in.waiting.end() ? waiting->second.reason
                         : (!init && !initialized)   ? "PodInitializing"
                                                     : "ContainerCreating";
    json state = {{"reason", reason}};
    if (waiting != in.waiting.end() && !waiting->second.message.empty())
      state["message"] = waiting->second.message;
    status["state"] = {{"waiting", state}};
    if (previous != nullptr && Exited(previous))
      status["lastState"] = {{"terminated", Terminated(*previous, in.runtime_name)}};
    if (latest != nullptr && Exited(latest))
      status["lastState"] = {{"terminated", Terminated(*latest, in.runtime_name)}};
  }
  return status;
}

json Condition(const std::string& type, bool value, const json& previous, const std::string& now,
               const std::string& reason = "") {
  json condition = {
      {"type", type}, {"status", value ? "True" : "False"}, {"lastProbeTime", nullptr}};
  if (!reason.empty() && !value) condition["reason"] = reason;
  condition["lastTransitionTime"] = now;
  for (const auto& old : previous.value("conditions", json::array())) {
    if (old.is_object() && old.value("type", "") == type &&
        old.value("status", "") == condition["status"] && old.contains("lastTransitionTime")) {
      condition["lastTransitionTime"] = old["lastTransitionTime"];
    }
  }
  return condition;
}

}  // namespace

std::string PodPhase(const StatusInputs& in) {
  std::string policy = Text(*in.pod, "/spec/restartPolicy", "Always");
  InitProgress init = Initialization(in);
  if (init.failed) return "Failed";
  if (!init.done) return "Pending";
  int running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const auto& container : Items(*in.pod, "/spec/containers")) {
    const ContainerRecord* latest = in.runtime->Latest(container.value("name", ""));
    if (Running(latest)) {
      ++running;
    } else if (Exited(latest)) {
      ++stopped;
      if (latest->exit_code == 0) ++succeeded;
    } else {
      ++waiting;
    }
  }
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped == 0) return "Pending";
  // Every container has stopped.
  if (policy == "Always") return "Running";  // they are being restarted
  if (stopped == succeeded) return "Succeeded";
  if (policy == "OnFailure") return "Running";
  return "Failed";
}

json ComputePodStatus(const StatusInputs& in, const json& previous_status,
                      std::chrono::system_clock::time_point now) {
  const json previous = previous_status.is_object() ? previous_status : json::object();
  std::string now_text = FormatTime(now);
  std::string phase = PodPhase(in);
  InitProgress init = Initialization(in);
  json status = {{"phase", phase}, {"qosClass", QosClass(*in.pod)}};
  if (!in.host_ips.empty()) {
    status["hostIP"] = in.host_ips.front();
    status["hostIPs"] = json::array();
    for (const auto& ip : in.host_ips) status["hostIPs"].push_back({{"ip", ip}});
  }
  const SandboxRecord* sandbox = in.runtime->ReadySandbox();
  if (sandbox != nullptr && !sandbox->ips.empty()) {
    status["podIP"] = sandbox->ips.front();
    status["podIPs"] = json::array();
    for (const auto& ip : sandbox->ips) status["podIPs"].push_back({{"ip", ip}});
  } else if (previous.contains("podIP") && (phase == "Succeeded" || phase == "Failed")) {
    status["podIP"] = previous["podIP"];  // a finished pod keeps the address it had
    if (previous.contains("podIPs")) status["podIPs"] = previous["podIPs"];
  }
  if (!in.start_time.empty()) status["startTime"] = in.start_time;
  if (!in.pod_problem.reason.empty()) {
    status["reason"] = in.pod_problem.reason;
    status["message"] = in.pod_problem.message;
  }

  json init_statuses = json::array();
  for (const auto& container : Items(*in.pod, "/spec/initContainers")) {
    init_statuses.push_back(ContainerStatus(in, container, true, init.done));
  }
  json statuses = json::array();
  bool all_ready = true;
  for (const auto& container : Items(*in.pod, "/spec/containers")) {
    json container_status = ContainerStatus(in, container, false, init.done);
    if (!container_status["ready"].get<bool>()) all_ready = false;
    statuses.push_back(std::move(container_status));
  }
  if (!init_statuses.empty()) status["initContainerStatuses"] = init_statuses;
  status["containerStatuses"] = statuses;

  bool terminal = phase == "Succeeded" || phase == "Failed";
  json conditions = json::array();
  conditions.push_back(
      Condition("PodReadyToStartContainers", in.sandbox_ready, previous, now_text));
  conditions.push_back(
      Condition("Initialized", init.done, previous, now_text, "ContainersNotInitialized"));
  bool ready = all_ready && !terminal && init.done;
  conditions.push_back(Condition("Ready", ready, previous, now_text,
                                 terminal ? "PodCompleted" : "ContainersNotReady"));
  conditions.push_back(Condition("ContainersReady", ready, previous, now_text,
                                 terminal ? "PodCompleted" : "ContainersNotReady"));
  conditions.push_back(Condition("PodScheduled", true, previous, now_text));
  status["conditions"] = conditions;
  return status;
}

}  // namespace hostlet::agent
