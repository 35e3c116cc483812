// A pod's status as the agent reports it, computed from what the runtime has (containers'
// states, exit codes, restart counts) and what the pod worker knows (why a container is waiting),
// with the upstream kubelet's phase rules and condition names.
#pragma once

#include "kubelet/agent/runtime_state.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>

namespace hostlet::agent {

struct Waiting {
  std::string reason, message;
};

struct StatusInputs {
  const nlohmann::json* pod = nullptr;
  const PodRuntimeState* runtime = nullptr;
  std::map<std::string, Waiting> waiting;  // container name -> why it is not running now
  std::set<std::string> not_ready;         // running containers whose readiness probe fails
  std::set<std::string> not_started;       // running containers whose startup probe has not passed
  std::string runtime_name;                // containerID is "<runtime_name>://<id>"
  std::vector<std::string> host_ips;
  std::string start_time;  // RFC 3339
  bool sandbox_ready = false;
  Waiting pod_problem;  // a reason that keeps the whole pod from starting (e.g. sandbox failure)
};

// The status to report; `previous` (the pod's current status) keeps conditions' transition
// times when their status did not change.
nlohmann::json ComputePodStatus(const StatusInputs& inputs, const nlohmann::json& previous,
                                std::chrono::system_clock::time_point now);

// The phase alone ("Pending", "Running", "Succeeded", "Failed").
std::string PodPhase(const StatusInputs& inputs);

std::string FormatTime(std::chrono::system_clock::time_point time);
std::string FormatNanos(std::int64_t nanoseconds);

}  // namespace hostlet::agent
