// One run of a probe's or a lifecycle hook's handler against a container: exec (through CRI
// ExecSync), httpGet or tcpSocket (from the node to the pod's address), or sleep (hooks). The
// upstream kubelet's rules: exec succeeds on exit code 0, httpGet on a status from 200 to 399,
// tcpSocket when the connection opens, each within its timeout.
#pragma once

#include "kubelet/cri/runtime_client.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

namespace hostlet::agent {

struct ActionResult {
  bool success = false;
  std::string message;  // why it failed, in the kubelet's words; the output of a failed exec
};

struct ActionTarget {
  const nlohmann::json* container = nullptr;  // the container's spec (for named ports)
  std::string container_id;
  std::string pod_ip;
};

// What is wrong with a handler, as "<field>: <problem>", or empty when it can run. `hook`
// allows `sleep` and forbids `grpc`, as lifecycle handlers do.
std::string HandlerProblem(const nlohmann::json& handler, const nlohmann::json& container,
                           bool hook);

ActionResult RunAction(cri::RuntimeClient& runtime, const nlohmann::json& handler,
                       const ActionTarget& target, std::chrono::milliseconds timeout);

}  // namespace hostlet::agent
