// Events about pods, posted to the apiserver as the upstream kubelet posts them (source
// component "kubelet" and the node as host), so `kubectl describe pod` and `kubectl get events`
// show what happened.
#pragma once

#include "kubelet/agent/pod_sync.h"
#include "kubelet/apiclient/api_client.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace hostlet::agent {

// Also written to the agent's log. A failed post is logged and dropped: an event is never worth
// failing a pod's sync for. The same event about the same pod again within 10 minutes (a probe
// failing every second, say) raises the first one's count and lastTimestamp instead of making a
// new object, as the kubelet's event correlator does, so a failing pod does not fill the store.
class EventRecorder {
 public:
  EventRecorder(apiclient::ApiClient* api, std::string node_name)
      : api_(api), node_name_(std::move(node_name)) {}
  void Record(const nlohmann::json& pod, const PodEvent& event);

 private:
  struct Posted {
    std::string path;  // the Event object's
    std::int64_t count = 1;
    std::chrono::steady_clock::time_point last;
  };
  // True when the repeat was counted on the event posted before.
  bool CountRepeat(const std::string& key, const std::string& now);

  apiclient::ApiClient* api_;
  std::string node_name_;
  std::mutex mutex_;
  std::map<std::string, Posted> posted_;  // pod uid, type, reason, message -> its event
};

}  // namespace hostlet::agent
