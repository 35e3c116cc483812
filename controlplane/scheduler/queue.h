// Pods waiting to be scheduled, in three places as kube-scheduler keeps them: active (ready to
// try, first come first served), backoff (failed recently, waiting 1s doubling to 10s per
// attempt), and unschedulable (nothing fit; waiting for the cluster to change). A cluster
// change moves unschedulable pods back, through backoff if theirs has not run out; so does a
// minute without any change, in case the change came in a form the scheduler does not watch.
// Thread-safe; time comes from an injected clock so tests need not sleep.
#pragma once

#include "controlplane/scheduler/pod_info.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace hostlet::scheduler {

struct QueueOptions {
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{10000};
  std::chrono::milliseconds max_unschedulable{60000};
  std::function<std::chrono::steady_clock::time_point()> clock = std::chrono::steady_clock::now;
};

// A pod handed out by Pop, to be returned by one of Done, Unschedulable or Retry.
struct QueuedPod {
  PodInfo pod;
  int attempts = 0;
  std::uint64_t cycle = 0;  // the move count when popped
};

class SchedulingQueue {
 public:
  explicit SchedulingQueue(QueueOptions options = {});

  // A pending pod seen by the watch: queued if new, its info refreshed if already known.
  // A changed pod that was waiting as unschedulable gets another try.
  void AddOrUpdate(const PodInfo& pod);
  // The pod was bound, deleted or is no longer ours.
  void Remove(const std::string& key);

  // Blocks until a pod is ready or Close; nothing after Close.
  std::optional<QueuedPod> Pop();
  // Never blocks: the next ready pod, if any, after moving what is due.
  std::optional<QueuedPod> TryPop();

  void Done(const QueuedPod& pod);
  // Nothing fit. If the cluster changed while the pod was being tried, that change may be
  // what it needs, so it waits out its backoff instead of waiting for another change.
  void Unschedulable(const QueuedPod& pod);
  // An error (a failed binding): try again after the backoff.
  void Retry(const QueuedPod& pod);

  // A node was added or changed, or a pod left a node.
  void MoveAllToActive();

  void Close();

  std::size_t active_size() const;
  std::size_t backoff_size() const;
  std::size_t unschedulable_size() const;

 private:
  enum class Where { kActive, kBackoff, kUnschedulable, kInFlight };
  struct Entry {
    PodInfo pod;
    Where where = Where::kActive;
    int attempts = 0;
    std::chrono::steady_clock::time_point since;  // entered backoff or unschedulable
    bool removed_in_flight = false;
  };

  std::chrono::steady_clock::duration Backoff(int attempts) const;
  // Queues the entry as active; Activate does so unless it already is.
  void Enqueue(const std::string& key, Entry& entry);
  void Activate(const std::string& key, Entry& entry);
  // Every change of an entry's place goes through here, so parked_ stays exact.
  void Place(const std::string& key, Entry& entry, Where where);
  void Erase(std::unordered_map<std::string, Entry>::iterator it);
  void FlushLocked(std::chrono::steady_clock::time_point now);
  std::optional<QueuedPod> TakeLocked();
  void Park(const QueuedPod& pod, Where where);

  QueueOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::string> active_;  // keys; an entry moved elsewhere leaves a stale key
  // The keys in backoff or unschedulable: what a flush or a cluster change looks through, so
  // that neither walks every pending pod (a node list at startup is thousands of changes).
  std::unordered_set<std::string> parked_;
  std::uint64_t move_cycle_ = 0;
  std::chrono::steady_clock::time_point last_flush_{};
  bool closed_ = false;
};

}  // namespace hostlet::scheduler
