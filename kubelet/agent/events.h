// Events about pods, posted to the apiserver as the upstream kubelet posts them (source
// component "kubelet" and the node as host), so `kubectl describe pod` and `kubectl get events`
// show what happened.
#pragma once

#include "kubelet/agent/pod_sync.h"
#include "kubelet/apiclient/api_client.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace hostlet::agent {

// Also written to the agent's log. Posting is the work of a thread of the recorder's, as the
// kubelet's event broadcaster does it: a pod's sync only queues its events, in order, and never
// waits for the apiserver (each post was a round trip on the path from a pod's creation to its
// containers running). At most 1,000 events wait; beyond that, and on an apiserver still not
// answering 2 s after the recorder is destroyed, events are logged as dropped. A failed post is
// logged and dropped: an event is never worth failing a pod's sync for. The same event about the
// same pod again within 10 minutes (a probe failing every second, say) raises the first one's
// count and lastTimestamp instead of making a new object, as the kubelet's event correlator does,
// so a failing pod does not fill the store.
class EventRecorder {
 public:
  EventRecorder(apiclient::ApiClient* api, std::string node_name);
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;
  // Posts what is queued (for up to 2 s), then stops the thread.
  ~EventRecorder();

  void Record(const nlohmann::json& pod, const PodEvent& event);

 private:
  struct Posted {
    std::string path;  // the Event object's
    std::int64_t count = 1;
    std::chrono::steady_clock::time_point last;
  };
  struct Queued {
    std::string key;        // pod uid, type, reason, message
    nlohmann::json object;  // the Event, stamped when it was recorded
  };
  void Send();
  void Post(const Queued& event);
  // True when the repeat was counted on the event posted before.
  bool CountRepeat(const std::string& key, const std::string& now);

  apiclient::ApiClient* api_;
  std::string node_name_;
  std::map<std::string, Posted> posted_;  // key -> its event; the sender's alone

  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<Queued> queue_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point give_up_;  // once stopping
  std::thread sender_;                             // last: started once the rest is ready
};

}  // namespace hostlet::agent
