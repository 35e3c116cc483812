#include "kubelet/server/runtime_gauges.h"

#include "kubelet/agent/runtime_state.h"

#include <map>

namespace hostlet::server {

namespace cri_api = runtime::v1;

std::function<void()> RuntimeGauges(cri::RuntimeClient& runtime, metrics::KubeletMetrics& metrics) {
  return [&runtime, &metrics] {
    cri_api::ListPodSandboxResponse sandboxes;
    cri_api::ListContainersResponse containers;
    if (!runtime.runtime.ListPodSandbox({}, &sandboxes).ok() ||
        !runtime.runtime.ListContainers({}, &containers).ok()) {
      return;
    }
    // Only what the agent made: other users of a shared runtime are not this node's pods.
    int ready = 0;
    for (const auto& sandbox : sandboxes.items()) {
      if (sandbox.labels().count(agent::kPodUidLabel) != 0 &&
          sandbox.state() == cri_api::SANDBOX_READY) {
        ++ready;
      }
    }
    std::map<std::string, int> by_state{{"created", 0}, {"running", 0}, {"exited", 0}};
    for (const auto& container : containers.containers()) {
      if (container.labels().count(agent::kPodUidLabel) == 0) continue;
      switch (container.state()) {
        case cri_api::CONTAINER_CREATED:
          ++by_state["created"];
          break;
        case cri_api::CONTAINER_RUNNING:
          ++by_state["running"];
          break;
        case cri_api::CONTAINER_EXITED:
          ++by_state["exited"];
          break;
        default:
          ++by_state["unknown"];
          break;
      }
    }
    metrics.running_pods.With().Set(ready);
    for (const auto& [state, count] : by_state) {
      metrics.running_containers.With({state}).Set(count);
    }
  };
}

}  // namespace hostlet::server
