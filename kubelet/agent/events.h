// Events about pods, posted to the apiserver as the upstream kubelet posts them (source
// component "kubelet" and the node as host), so `kubectl describe pod` and `kubectl get events`
// show what happened.
#pragma once

#include "kubelet/agent/pod_sync.h"
#include "kubelet/apiclient/api_client.h"

namespace hostlet::agent {

// Also written to the agent's log. A failed post is logged and dropped: an event is never worth
// failing a pod's sync for.
class EventRecorder {
 public:
  EventRecorder(apiclient::ApiClient* api, std::string node_name)
      : api_(api), node_name_(std::move(node_name)) {}
  void Record(const nlohmann::json& pod, const PodEvent& event);

 private:
  apiclient::ApiClient* api_;
  std::string node_name_;
};

}  // namespace hostlet::agent
