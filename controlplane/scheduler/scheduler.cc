#include "controlplane/scheduler/scheduler.h"

#include "controlplane/apiserver/api_status.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <iostream>

namespace hostlet::scheduler {

using nlohmann::json;

namespace {

// Bookmarks carry only a resourceVersion, nothing to schedule by.
bool IsObjectEvent(const apiserver::WatchEvent& event) {
  return event.type == "ADDED" || event.type == "MODIFIED" || event.type == "DELETED";
}

}  // namespace

Scheduler::Scheduler(apiserver::Registry& registry, SchedulerOptions options)
    : registry_(registry),
      options_(std::move(options)),
      queue_(options_.queue),
      algorithm_(options_.seed, options_.percentage_of_nodes_to_score) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::StartWatches() {
  const auto& table = registry_.table();
  // Each watch starts with a list, which is mostly parsing: nodes and pods are listed at the
  // same time, on two threads, as the cache takes either in any order.
  auto nodes = std::async(std::launch::async, [&] {
    return registry_.Watch(*table.Find("", "v1", "nodes"), "", {},
                           [this](const apiserver::WatchEvent& event) { OnNode(event); });
  });
  pod_watch_ = registry_.Watch(*table.Find("", "v1", "pods"), "", {},
                               [this](const apiserver::WatchEvent& event) { OnPod(event); });
  node_watch_ = nodes.get();
}

void Scheduler::Start() {
  if (started_) return;
  started_ = true;
  if (options_.record_events) {
    events_ = std::make_unique<EventRecorder>(registry_,
                                              [this] { return bindings_in_flight_.load() > 0; });
  }
  StartWatches();
  resync_thread_ = std::thread([this] { ResyncLoop(); });
  for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.binders); ++i) {
    binder_threads_.emplace_back([this] { BinderLoop(); });
  }
  scheduling_thread_ = std::thread([this] { SchedulingLoop(); });
}

void Scheduler::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  {
    std::lock_guard lock(watch_mutex_);
    stopping_ = true;
    watch_wake_.notify_all();
  }
  // Start may have thrown before starting every thread.
  if (resync_thread_.joinable()) resync_thread_.join();
  node_watch_.reset();
  pod_watch_.reset();
  queue_.Close();
  if (scheduling_thread_.joinable()) scheduling_thread_.join();
  {
    std::lock_guard lock(bind_mutex_);
    binders_stopping_ = true;
    bind_wake_.notify_all();
  }
  for (auto& thread : binder_threads_) thread.join();
  if (events_) events_->Stop();
}

SchedulerStats Scheduler::stats() const {
  return {scheduled_.load(), unschedulable_.load(), bind_errors_.load(), resyncs_.load()};
}

void Scheduler::RequestResync() {
  std::lock_guard lock(watch_mutex_);
  resync_wanted_ = true;
  watch_wake_.notify_all();
}

void Scheduler::OnNode(const apiserver::WatchEvent& event) {
  if (event.type == "ERROR") return RequestResync();
  if (!IsObjectEvent(event)) return;
  bool changed = false;
  {
    std::lock_guard lock(cache_mutex_);
    if (event.type == "DELETED") {
      cache_.RemoveNode(event.object["metadata"].value("name", ""));
    } else {
      changed = cache_.UpsertNode(event.object);
    }
  }
  if (changed) queue_.MoveAllToActive();
}

void Scheduler::OnPod(const apiserver::WatchEvent& event) {
  if (event.type == "ERROR") return RequestResync();
  if (!IsObjectEvent(event)) return;
  PodInfo pod = ParsePod(event.object);
  if (event.type == "DELETED") {
    bool freed;
    {
      std::lock_guard lock(cache_mutex_);
      freed = cache_.RemovePod(pod.key);
    }
    queue_.Remove(pod.key);
    if (freed) queue_.MoveAllToActive();
    return;
  }
  if (!pod.node_name.empty()) {
    bool freed;
    {
      std::lock_guard lock(cache_mutex_);
      freed = cache_.UpsertPod(pod);
    }
    queue_.Remove(pod.key);
    if (freed) queue_.MoveAllToActive();
    return;
  }
  if (pod.scheduler_name == options_.name && !pod.deleting && !pod.terminal) {
    queue_.AddOrUpdate(pod);
  } else {
    queue_.Remove(pod.key);
  }
}

void Scheduler::ResyncLoop() {
  std::unique_lock lock(watch_mutex_);
  while (true) {
    watch_wake_.wait(lock, [&] { return stopping_ || resync_wanted_; });
    if (stopping_) return;
    resync_wanted_ = false;
    lock.unlock();
    std::cerr << "scheduler: a watch fell behind; listing nodes and pods again" << std::endl;
    {
      std::lock_guard sync(sync_mutex_);
      node_watch_.reset();
      pod_watch_.reset();
      {
        std::lock_guard cache_lock(cache_mutex_);
        cache_.Clear();
      }
      try {
        StartWatches();
      } catch (const std::exception& error) {
        std::cerr << "scheduler: re-listing failed: " << error.what() << std::endl;
        std::lock_guard again(watch_mutex_);
        resync_wanted_ = true;
      }
    }
    ++resyncs_;
    queue_.MoveAllToActive();
    lock.lock();
    if (resync_wanted_ && !stopping_) {
      // Do not spin on a store that keeps failing.
      watch_wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; });
    }
  }
}

void Scheduler::SchedulingLoop() {
  while (auto pod = queue_.Pop()) Schedule(std::move(*pod));
}

void Scheduler::Schedule(QueuedPod pod) {
  ScheduleResult result;
  {
    std::lock_guard sync(sync_mutex_);
    std::lock_guard lock(cache_mutex_);
    // A late event for a pod already placed must not place it twice.
    if (cache_.IsPlaced(pod.pod.key, pod.pod.uid)) {
      queue_.Done(pod);
      return;
    }
    result = algorithm_.Schedule(pod.pod, cache_.nodes());
    if (!result.node.empty()) cache_.Assume(pod.pod, result.node);
  }
  if (result.node.empty()) {
    ++unschedulable_;
    queue_.Unschedulable(pod);
    if (events_) {
      events_->RecordUnschedulable(pod.pod, result.message);
    }
    return;
  }
  std::lock_guard lock(bind_mutex_);
  ++bindings_in_flight_;
  bindings_.push_back({std::move(pod), std::move(result.node)});
  bind_wake_.notify_one();
}

void Scheduler::BinderLoop() {
  std::unique_lock lock(bind_mutex_);
  while (true) {
    bind_wake_.wait(lock, [&] { return binders_stopping_ || !bindings_.empty(); });
    if (bindings_.empty()) return;
    Binding next = std::move(bindings_.front());
    bindings_.pop_front();
    lock.unlock();
    Bind(std::move(next));
    --bindings_in_flight_;
    lock.lock();
  }
}

void Scheduler::Bind(Binding binding) {
  const PodInfo& pod = binding.pod.pod;
  json body = {{"apiVersion", "v1"},
               {"kind", "Binding"},
               {"metadata", {{"name", pod.name}, {"namespace", pod.ns}, {"uid", pod.uid}}},
               {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", binding.node}}}};
  try {
    registry_.Bind(pod.ns, pod.name, body);
    ++scheduled_;
    queue_.Done(binding.pod);
    if (events_) {
      events_->Record(pod, "Normal", "Scheduled", "Binding",
                      "Successfully assigned " + pod.key + " to " + binding.node);
    }
    return;
  } catch (const apiserver::ApiException& error) {
    ++bind_errors_;
    {
      std::lock_guard lock(cache_mutex_);
      cache_.Forget(pod.key);
    }
    int code = error.error().code;
    // Gone, bound by someone else, or being deleted: nothing left for us to do.
    if (code == 404 || code == 409) {
      queue_.Done(binding.pod);
    } else {
      std::cerr << "scheduler: binding " << pod.key << " failed: " << error.what() << std::endl;
      queue_.Retry(binding.pod);
    }
  } catch (const std::exception& error) {
    ++bind_errors_;
    {
      std::lock_guard lock(cache_mutex_);
      cache_.Forget(pod.key);
    }
    std::cerr << "scheduler: binding " << pod.key << " failed: " << error.what() << std::endl;
    queue_.Retry(binding.pod);
  }
}

}  // namespace hostlet::scheduler
