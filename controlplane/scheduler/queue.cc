#include "controlplane/scheduler/queue.h"

#include <algorithm>
#include <vector>

namespace hostlet::scheduler {

SchedulingQueue::SchedulingQueue(QueueOptions options) : options_(std::move(options)) {}

std::chrono::steady_clock::duration SchedulingQueue::Backoff(int attempts) const {
  auto backoff = std::chrono::steady_clock::duration(options_.initial_backoff);
  for (int i = 1; i < attempts && backoff < options_.max_backoff; ++i) backoff *= 2;
  return std::min(backoff, std::chrono::steady_clock::duration(options_.max_backoff));
}

void SchedulingQueue::Place(const std::string& key, Entry& entry, Where where) {
  bool parked = where == Where::kBackoff || where == Where::kUnschedulable;
  bool was = entry.where == Where::kBackoff || entry.where == Where::kUnschedulable;
  entry.where = where;
  if (parked && !was) parked_.insert(key);
  if (!parked && was) parked_.erase(key);
}

void SchedulingQueue::Erase(std::unordered_map<std::string, Entry>::iterator it) {
  parked_.erase(it->first);
  entries_.erase(it);
}

void SchedulingQueue::Enqueue(const std::string& key, Entry& entry) {
  Place(key, entry, Where::kActive);
  active_.push_back(key);
  ready_.notify_one();
}

void SchedulingQueue::Activate(const std::string& key, Entry& entry) {
  if (entry.where != Where::kActive) Enqueue(key, entry);
}

void SchedulingQueue::AddOrUpdate(const PodInfo& pod) {
  std::lock_guard lock(mutex_);
  auto [it, added] = entries_.try_emplace(pod.key);
  Entry& entry = it->second;
  entry.pod = pod;
  if (added) {
    Enqueue(pod.key, entry);
  } else if (entry.where == Where::kUnschedulable) {
    // The pod itself changed (say, its tolerations); that is worth another try.
    Place(pod.key, entry, Where::kBackoff);
  }
}

void SchedulingQueue::Remove(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  if (it->second.where == Where::kInFlight) {
    it->second.removed_in_flight = true;
  } else {
    Erase(it);
  }
}

void SchedulingQueue::FlushLocked(std::chrono::steady_clock::time_point now) {
  if (parked_.empty()) return;
  // Activating takes a key out of parked_, so walk a copy.
  std::vector<std::string> parked(parked_.begin(), parked_.end());
  for (const std::string& key : parked) {
    Entry& entry = entries_.at(key);
    if (entry.where == Where::kBackoff && now >= entry.since + Backoff(entry.attempts)) {
      Activate(key, entry);
    } else if (entry.where == Where::kUnschedulable &&
               now - entry.since >= options_.max_unschedulable) {
      Place(key, entry, Where::kBackoff);
      if (now >= entry.since + Backoff(entry.attempts)) Activate(key, entry);
    }
  }
}

std::optional<QueuedPod> SchedulingQueue::TakeLocked() {
  while (!active_.empty()) {
    std::string key = std::move(active_.front());
    active_.pop_front();
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second.where != Where::kActive) continue;
    it->second.where = Where::kInFlight;
    return QueuedPod{it->second.pod, it->second.attempts, move_cycle_};
  }
  return std::nullopt;
}

std::optional<QueuedPod> SchedulingQueue::Pop() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (closed_) return std::nullopt;
    // Waiting pods fall due at many different times; looking every 100ms is precise enough for
    // backoffs of a second and more, and costs nothing while the active queue is busy.
    auto now = options_.clock();
    if (now - last_flush_ >= std::chrono::milliseconds(100)) {
      FlushLocked(now);
      last_flush_ = now;
    }
    if (auto pod = TakeLocked()) return pod;
    ready_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

std::optional<QueuedPod> SchedulingQueue::TryPop() {
  std::lock_guard lock(mutex_);
  if (closed_) return std::nullopt;
  FlushLocked(options_.clock());
  return TakeLocked();
}

void SchedulingQueue::Done(const QueuedPod& pod) {
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(pod.pod.key); it != entries_.end()) Erase(it);
}

void SchedulingQueue::Park(const QueuedPod& pod, Where where) {
  auto it = entries_.find(pod.pod.key);
  if (it == entries_.end()) return;
  if (it->second.removed_in_flight) {
    Erase(it);
    return;
  }
  Entry& entry = it->second;
  entry.attempts = pod.attempts + 1;
  entry.since = options_.clock();
  Place(pod.pod.key, entry, where);
}

void SchedulingQueue::Unschedulable(const QueuedPod& pod) {
  std::lock_guard lock(mutex_);
  Park(pod, move_cycle_ > pod.cycle ? Where::kBackoff : Where::kUnschedulable);
}

void SchedulingQueue::Retry(const QueuedPod& pod) {
  std::lock_guard lock(mutex_);
  Park(pod, Where::kBackoff);
}

void SchedulingQueue::MoveAllToActive() {
  std::lock_guard lock(mutex_);
  ++move_cycle_;
  if (parked_.empty()) return;
  auto now = options_.clock();
  std::vector<std::string> parked(parked_.begin(), parked_.end());
  for (const std::string& key : parked) {
    Entry& entry = entries_.at(key);
    if (entry.where != Where::kUnschedulable) continue;
    Place(key, entry, Where::kBackoff);
    if (now >= entry.since + Backoff(entry.attempts)) Activate(key, entry);
  }
}

void SchedulingQueue::Close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  ready_.notify_all();
}

std::size_t SchedulingQueue::active_size() const {
  std::lock_guard lock(mutex_);
  return std::count_if(entries_.begin(), entries_.end(),
                       [](const auto& item) { return item.second.where == Where::kActive; });
}

std::size_t SchedulingQueue::backoff_size() const {
  std::lock_guard lock(mutex_);
  return std::count_if(entries_.begin(), entries_.end(),
                       [](const auto& item) { return item.second.where == Where::kBackoff; });
}

std::size_t SchedulingQueue::unschedulable_size() const {
  std::lock_guard lock(mutex_);
  return std::count_if(entries_.begin(), entries_.end(),
                       [](const auto& item) { return item.second.where == Where::kUnschedulable; });
}

}  // namespace hostlet::scheduler
