// Writes the scheduler's core/v1 Events (Scheduled, FailedScheduling), and for a pod that fits
// nowhere its PodScheduled=False condition (reason Unschedulable), on a thread of its own,
// so that scheduling never waits for an event's write; when writes fall far behind, events are
// dropped rather than queued without bound, as Kubernetes' event recorders do. Every write
// costs the store a commit, as a binding does; while `busy` says bindings are waiting, events
// wait too (up to `max_delay`), so a burst of pods is bound first and explained just after.
//
// An event that repeats one written in the last ten minutes (same pod, type, reason and
// message: a pod that fits nowhere, tried again at every change of the cluster) raises that
// event's count and lastTimestamp instead of adding another, as Kubernetes' event correlator
// does, so `kubectl get events` shows "(x5 over 3m)" rather than five lines.
#pragma once

#include "controlplane/apiserver/registry.h"
#include "controlplane/scheduler/pod_info.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace hostlet::scheduler {

// The Event object for `pod`; `type` is "Normal" or "Warning".
nlohmann::json MakePodEvent(const PodInfo& pod, const std::string& type, const std::string& reason,
                            const std::string& action, const std::string& message,
                            const std::string& name_suffix, const std::string& now);

class EventRecorder {
 public:
  explicit EventRecorder(apiserver::Registry& registry, std::function<bool()> busy = nullptr,
                         std::chrono::milliseconds max_delay = std::chrono::seconds(10),
                         std::size_t max_pending = 10000);
  ~EventRecorder();

  void Record(const PodInfo& pod, const std::string& type, const std::string& reason,
              const std::string& action, const std::string& message);
  // The FailedScheduling event and the pod's PodScheduled=False condition with `message`
  // (unless the pod was bound or replaced meanwhile).
  void RecordUnschedulable(const PodInfo& pod, const std::string& message);
  // Writes what is pending, then stops.
  void Stop();

  std::uint64_t dropped() const { return dropped_; }

 private:
  struct Pending {
    std::string ns;
    nlohmann::json event;
    bool unschedulable = false;  // also set the pod's PodScheduled condition
    std::chrono::steady_clock::time_point queued;
  };
  // An event already written, by what makes another one the same.
  struct Written {
    std::string name;
    std::chrono::steady_clock::time_point last;
  };
  void Run();
  void Enqueue(const PodInfo& pod, nlohmann::json event, bool unschedulable);
  void SetUnschedulable(const nlohmann::json& event);
  // Writes `event`, or counts it on the same one written recently.
  void Write(const std::string& ns, nlohmann::json event);

  apiserver::Registry& registry_;
  const apiserver::Resource* events_;
  const apiserver::Resource* pods_;
  std::function<bool()> busy_;
  std::chrono::milliseconds max_delay_;
  std::size_t max_pending_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> pending_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> sequence_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::unordered_map<std::string, Written> written_;  // used by thread_ alone
  std::thread thread_;
};

}  // namespace hostlet::scheduler
