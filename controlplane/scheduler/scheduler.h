// The scheduler as it runs inside hostlet-server: watches nodes and pods through the Registry,
// keeps the cache and the queue current, places pending pods one at a time on its own thread,
// binds them on binder threads (pods/binding), and records Scheduled and FailedScheduling
// events. Filters and scores live in pure functions (filters.h, scores.h); this file is only the
// machinery around them.
#pragma once

#include "controlplane/apiserver/registry.h"
#include "controlplane/scheduler/algorithm.h"
#include "controlplane/scheduler/cache.h"
#include "controlplane/scheduler/events.h"
#include "controlplane/scheduler/queue.h"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace hostlet::scheduler {

struct SchedulerOptions {
  std::string name = "default-scheduler";  // pods naming another schedulerName are left alone
  int percentage_of_nodes_to_score = 0;    // 0: adaptive, as kube-scheduler's default
  std::uint64_t seed = std::random_device{}();
  bool record_events = true;
  // Bindings are store writes; with many in flight the store commits them in groups.
  std::size_t binders = 16;
  QueueOptions queue;
};

struct SchedulerStats {
  std::uint64_t scheduled = 0;      // bound
  std::uint64_t unschedulable = 0;  // attempts where nothing fit
  std::uint64_t bind_errors = 0;
  std::uint64_t resyncs = 0;  // watches re-established after falling behind
};

class Scheduler {
 public:
  Scheduler(apiserver::Registry& registry, SchedulerOptions options = {});
  ~Scheduler();

  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Lists nodes and pods (the cache is complete when this returns) and starts the threads.
  void Start();
  // Idempotent; pending bindings are finished, pending events written.
  void Stop();

  SchedulerStats stats() const;

 private:
  struct Binding {
    QueuedPod pod;
    std::string node;
  };

  // A watch ended with an error: the resync thread re-lists both kinds.
  void RequestResync();
  void OnNode(const apiserver::WatchEvent& event);
  void OnPod(const apiserver::WatchEvent& event);
  void StartWatches();
  void Schedule(QueuedPod pod);
  void Bind(Binding binding);
  void SchedulingLoop();
  void BinderLoop();
  void ResyncLoop();

  apiserver::Registry& registry_;
  SchedulerOptions options_;
  SchedulingQueue queue_;
  Algorithm algorithm_;
  std::unique_ptr<EventRecorder> events_;

  // Held for each decision, and by a re-list from start to end so no decision sees half a cache.
  std::mutex sync_mutex_;
  std::mutex cache_mutex_;
  ClusterCache cache_;

  std::mutex bind_mutex_;
  std::condition_variable bind_wake_;
  std::deque<Binding> bindings_;
  std::atomic<int> bindings_in_flight_{0};  // queued or being written
  bool binders_stopping_ = false;

  // Watches that fell behind end with an error; a thread of their own re-lists.
  std::mutex watch_mutex_;
  std::condition_variable watch_wake_;
  bool resync_wanted_ = false;
  bool stopping_ = false;
  std::unique_ptr<storage::WatchHandle> node_watch_;
  std::unique_ptr<storage::WatchHandle> pod_watch_;

  std::atomic<std::uint64_t> scheduled_{0};
  std::atomic<std::uint64_t> unschedulable_{0};
  std::atomic<std::uint64_t> bind_errors_{0};
  std::atomic<std::uint64_t> resyncs_{0};
  bool started_ = false;
  bool stopped_ = false;
  std::thread scheduling_thread_;
  std::vector<std::thread> binder_threads_;
  std::thread resync_thread_;
};

}  // namespace hostlet::scheduler
