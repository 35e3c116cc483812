// Deleting a network interface without waiting for the kernel's housekeeping after it.
//
// An RTM_DELLINK request is answered only when the kernel has completely finished with the
// device: after unlisting it, taking it off its bridge, removing its addresses and routes and
// announcing all that (under the RTNL lock), the requesting thread goes on, with the lock
// released, to wait for an RCU barrier and for the last references to the device to drop
// (netdev_run_todo) before the answer is queued. That wait is most of a veth pair's deletion
// (about 14 ms against well under 1 ms for the rest) and it changes nothing anyone can observe:
// the names are free, the bridge port is gone, and nothing can reach the device any more.
//
// So the request is sent from a thread of the reaper's, and the caller waits only until the
// kernel announces the removal (RTM_DELLINK on RTNLGRP_LINK, sent under the lock, after the
// device's teardown) of each link it watches, which happens before that wait. Failures still
// come back: a request the kernel refuses is answered at once, with no barrier, and the caller
// is waiting for that answer as well. If announcements are lost (the monitor's buffer
// overflowed), the caller waits for the answer instead, as before.
#pragma once

#include "plugins/cni/bridge/netlink_socket.h"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hostlet::bridge {

// A link to see removed: a socket subscribed to RTMGRP_LINK in the link's namespace (opened
// before the removal is requested, so it cannot miss the announcement), and the link's index.
struct WatchedLink {
  int monitor = -1;
  int ifindex = 0;
};

enum class Removal {
  kAnnounced,  // the kernel announced the removal of every watched link
  kAnswered,   // the request was answered with success (announcements were missed)
  kAbsent,     // there was no such link (any more)
};

// The threads that send deletions and sit out the kernel's answers: started as deletions need
// them (one per deletion in flight, at most 64), kept for the next ones, and stopped when the
// reaper is destroyed, which first waits for every answer still outstanding. Thread-safe.
class LinkReaper {
 public:
  LinkReaper() = default;
  LinkReaper(const LinkReaper&) = delete;
  LinkReaper& operator=(const LinkReaper&) = delete;
  // Waits for every request still in flight, so no thread of this module outlives it.
  ~LinkReaper();

  // Deletes link `ifindex` of the namespace of `socket` (a NETLINK_ROUTE socket used for this
  // request alone) and returns once the links in `watched` are announced removed, or the request
  // is answered, whichever comes first. Throws CniError, naming `name`, when the kernel refuses.
  Removal Remove(UniqueFd socket, int ifindex, const std::string& name,
                 const std::vector<WatchedLink>& watched);

  // Requests not answered yet.
  size_t InFlight();

 private:
  struct Request;
  // A thread's life: send the queued requests one at a time, each waiting for its answer.
  void Serve();

  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<std::shared_ptr<Request>> queue_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;       // threads waiting for a request
  size_t in_flight_ = 0;  // requests queued or sent and not yet answered
  bool stopping_ = false;
};

}  // namespace hostlet::bridge
