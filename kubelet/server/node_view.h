// What the agent's server may see of the agent: the pods it runs and its runtime. Kept this
// narrow so the server never reaches into the pod workers' state.
#pragma once

#include "kubelet/cri/runtime_client.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <vector>

namespace hostlet::server {

struct NodeView {
  // The pods the agent runs now, as their sources have them. Called from the server's threads.
  std::function<std::vector<nlohmann::json>()> pods;
  // The agent's runtime; outlives the server.
  cri::RuntimeClient* runtime = nullptr;
};

}  // namespace hostlet::server
