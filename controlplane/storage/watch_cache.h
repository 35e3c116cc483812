// One in-process event stream that serves every watch, so watchers cost the backend nothing.
//
// The backend appends each committed write, in revision order. A ring of recent events lets a
// watch start at a past revision; older than the ring (or than the compaction point) is Gone, and
// the client re-lists, as with the Kubernetes apiserver's watch cache. A dispatcher thread fans
// events out to per-watcher bounded queues, and each watcher's callback runs on its own thread,
// so neither a writer nor the other watchers wait for a slow one: a watcher that falls
// `watcher_queue` events behind is ended with an error event.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/storage/store.h"

namespace hostlet::storage {

struct WatchOptions {
  std::size_t history = 10000;  // events kept for watches that start in the past
  // Live events a watcher may fall behind before it is ended. As many as the ring holds: one
  // further behind could not resume from the ring either, and a burst of writes (a scheduler
  // binding thousands of pods a second) must not end a watcher that is only briefly without a
  // CPU. Queued events are shared with the ring, so a slow watcher costs pointers, not copies.
  std::size_t watcher_queue = 10000;
};

class WatchCache {
 public:
  // `history` holds events after `start_revision`, oldest first, with no gaps.
  WatchCache(WatchOptions options, Revision start_revision, std::vector<Event> history = {});
  ~WatchCache();

  WatchCache(const WatchCache&) = delete;
  WatchCache& operator=(const WatchCache&) = delete;

  // Never blocks on watchers. Revisions must increase.
  void Append(Event event);

  // Watches starting before `revision` become Gone.
  void Compact(Revision revision);

  // For a backend that lost events it cannot replay (its feed resumed past a compaction): ends
  // every watch with an error event carrying `reason`, so clients re-list, and starts over empty
  // after `revision`.
  void Restart(Revision revision, const std::string& reason);

  // Events after `from_revision` (which must not be 0: the backend resolves "now").
  std::unique_ptr<WatchHandle> Watch(const std::string& prefix, Revision from_revision,
                                     WatchCallback callback);

  // Defined in watch_cache.cc; named here so the handle there can hold them.
  struct Watcher;
  struct Shared;

 private:
  void Dispatch();

  std::shared_ptr<Shared> shared_;
  std::thread dispatcher_;
};

}  // namespace hostlet::storage
