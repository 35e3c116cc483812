#include "controlplane/storage/watch_cache.h"

#include <algorithm>
#include <utility>

namespace hostlet::storage {

namespace {

// One copy of each event, shared by the ring and every queue it waits in: a watcher that falls
// behind holds pointers, not values the size of whole objects.
using SharedEvent = std::shared_ptr<const Event>;

}  // namespace

struct WatchCache::Watcher {
  std::string prefix;
  WatchCallback callback;
  std::size_t queue_limit = 0;

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<SharedEvent> queue;
  // Replayed events at the front of the queue: the ring already bounds them, so they do not
  // count against queue_limit.
  std::size_t replay_pending = 0;
  Revision last_queued = 0;
  bool stopped = false;    // no more events will be queued
  bool cancelled = false;  // the handle is gone: deliver nothing more
  std::thread thread;

  bool Matches(const Event& event) const { return event.key.starts_with(prefix); }

  // Runs on the watcher's own thread.
  void Deliver() {
    for (;;) {
      SharedEvent event;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [&] { return cancelled || !queue.empty() || stopped; });
        if (cancelled || queue.empty()) return;
        event = std::move(queue.front());
        queue.pop_front();
        if (replay_pending > 0) --replay_pending;
      }
      callback(*event);
      if (event->type == EventType::kError) return;
    }
  }

  // Called with the cache's mutex held; never blocks on the callback.
  void Push(const SharedEvent& event) {
    std::lock_guard lock(mutex);
    if (stopped) return;
    last_queued = event->mod_revision;
    if (!Matches(*event)) return;
    if (queue.size() - replay_pending >= queue_limit) {
      queue.clear();
      replay_pending = 0;
      auto overflow = std::make_shared<Event>();
      overflow->type = EventType::kError;
      overflow->mod_revision = event->mod_revision;
      overflow->error = "watch of \"" + prefix + "\" fell more than " +
                        std::to_string(queue_limit) + " events behind; re-list";
      queue.push_back(std::move(overflow));
      stopped = true;
    } else {
      queue.push_back(event);
    }
    wake.notify_one();
  }

  // Queues an error event after what is queued; nothing more follows it.
  void End(const std::string& reason, Revision revision) {
    std::lock_guard lock(mutex);
    if (stopped) return;
    auto ended = std::make_shared<Event>();
    ended->type = EventType::kError;
    ended->mod_revision = revision;
    ended->error = "watch of \"" + prefix + "\" ended: " + reason + "; re-list";
    queue.push_back(std::move(ended));
    stopped = true;
    wake.notify_one();
  }

  void Stop() {
    std::lock_guard lock(mutex);
    stopped = true;
    wake.notify_one();
  }
};

struct WatchCache::Shared {
  WatchOptions options;
  std::mutex mutex;
  std::condition_variable wake_dispatcher;
  std::deque<SharedEvent> history;  // the ring: events after start_revision
  Revision start_revision = 0;      // watches from before this are Gone
  Revision latest_revision = 0;
  std::deque<SharedEvent> undispatched;  // appended, not yet fanned out
  std::list<std::shared_ptr<Watcher>> watchers;
  bool stopping = false;
};

namespace {

class CacheWatchHandle : public WatchHandle {
 public:
  CacheWatchHandle(std::shared_ptr<WatchCache::Shared> shared,
                   std::shared_ptr<WatchCache::Watcher> watcher)
      : shared_(std::move(shared)), watcher_(std::move(watcher)) {}

  ~CacheWatchHandle() override {
    {
      std::lock_guard lock(shared_->mutex);
      shared_->watchers.remove(watcher_);
    }
    {
      std::lock_guard lock(watcher_->mutex);
      watcher_->cancelled = true;
      watcher_->wake.notify_one();
    }
    // A callback may drop its own watch; its thread then ends by itself once the callback returns.
    if (watcher_->thread.get_id() == std::this_thread::get_id()) {
      watcher_->thread.detach();
    } else {
      watcher_->thread.join();
    }
  }

 private:
  std::shared_ptr<WatchCache::Shared> shared_;
  std::shared_ptr<WatchCache::Watcher> watcher_;
};

}  // namespace

WatchCache::WatchCache(WatchOptions options, Revision start_revision, std::vector<Event> history)
    : shared_(std::make_shared<Shared>()) {
  shared_->options = options;
  shared_->start_revision = start_revision;
  shared_->latest_revision = start_revision;
  for (Event& event : history) {
    shared_->latest_revision = event.mod_revision;
    shared_->history.push_back(std::make_shared<const Event>(std::move(event)));
    if (shared_->history.size() > options.history) {
      shared_->start_revision = shared_->history.front()->mod_revision;
      shared_->history.pop_front();
    }
  }
  dispatcher_ = std::thread([this] { Dispatch(); });
}

WatchCache::~WatchCache() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
    shared_->wake_dispatcher.notify_one();
  }
  dispatcher_.join();
  // Handles may outlive the cache: their watchers end once their queues drain.
  std::lock_guard lock(shared_->mutex);
  for (auto& watcher : shared_->watchers) watcher->Stop();
  shared_->watchers.clear();
}

void WatchCache::Append(Event event) {
  auto shared = std::make_shared<const Event>(std::move(event));
  std::lock_guard lock(shared_->mutex);
  shared_->latest_revision = shared->mod_revision;
  shared_->undispatched.push_back(shared);
  shared_->history.push_back(std::move(shared));
  if (shared_->history.size() > shared_->options.history) {
    shared_->start_revision = shared_->history.front()->mod_revision;
    shared_->history.pop_front();
  }
  shared_->wake_dispatcher.notify_one();
}

void WatchCache::Compact(Revision revision) {
  std::lock_guard lock(shared_->mutex);
  if (revision <= shared_->start_revision) return;
  shared_->start_revision = std::min(revision, shared_->latest_revision);
  while (!shared_->history.empty() &&
         shared_->history.front()->mod_revision <= shared_->start_revision) {
    shared_->history.pop_front();
  }
}

void WatchCache::Restart(Revision revision, const std::string& reason) {
  std::lock_guard lock(shared_->mutex);
  for (auto& watcher : shared_->watchers) watcher->End(reason, revision);
  shared_->watchers.clear();
  shared_->history.clear();
  shared_->undispatched.clear();
  shared_->start_revision = revision;
  shared_->latest_revision = revision;
}

std::unique_ptr<WatchHandle> WatchCache::Watch(const std::string& prefix, Revision from_revision,
                                               WatchCallback callback) {
  auto watcher = std::make_shared<Watcher>();
  watcher->prefix = prefix;
  watcher->callback = std::move(callback);
  watcher->queue_limit = shared_->options.watcher_queue;
  {
    std::lock_guard lock(shared_->mutex);
    if (from_revision < shared_->start_revision) {
      throw StorageError(ErrorCode::kGone, "watch of \"" + prefix + "\" from revision " +
                                               std::to_string(from_revision) +
                                               ": the oldest still kept is " +
                                               std::to_string(shared_->start_revision));
    }
    // Replays what the ring holds; the dispatcher skips it by last_queued.
    for (const SharedEvent& event : shared_->history) {
      if (event->mod_revision <= from_revision || !watcher->Matches(*event)) continue;
      watcher->queue.push_back(event);
    }
    watcher->replay_pending = watcher->queue.size();
    watcher->last_queued = std::max(from_revision, shared_->latest_revision);
    if (shared_->stopping) watcher->stopped = true;
    shared_->watchers.push_back(watcher);
  }
  // The thread holds the watcher too, so a callback that drops its own handle outlives it safely.
  watcher->thread = std::thread([w = watcher] { w->Deliver(); });
  return std::make_unique<CacheWatchHandle>(shared_, std::move(watcher));
}

void WatchCache::Dispatch() {
  std::unique_lock lock(shared_->mutex);
  for (;;) {
    shared_->wake_dispatcher.wait(
        lock, [&] { return shared_->stopping || !shared_->undispatched.empty(); });
    if (shared_->stopping) return;
    // Fanning out only copies into bounded queues, so holding the lock here is brief.
    while (!shared_->undispatched.empty()) {
      const SharedEvent& event = shared_->undispatched.front();
      for (auto& watcher : shared_->watchers) {
        if (event->mod_revision > watcher->last_queued) watcher->Push(event);
      }
      shared_->undispatched.pop_front();
    }
  }
}

}  // namespace hostlet::storage
