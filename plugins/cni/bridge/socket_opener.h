// Netlink sockets for other network namespaces, opened by a thread kept for that.
//
// A socket belongs for its whole life to the namespace of the thread that opened it, and works
// there whichever thread uses it. So the module's only work inside a pod's namespace is opening
// sockets: its thread enters the namespace, opens them, hands them over and goes back to the
// namespace it started in; the caller does everything else through them from its own thread, which
// never changes namespace. The thread runs nothing but this, so nothing a caller gives it can run
// inside a pod's namespace, and keeping it saves creating a thread per command.
#pragma once

#include "plugins/cni/bridge/netlink_socket.h"
#include "plugins/cni/bridge/netns_thread.h"
#include "plugins/cni/bridge/serial_worker.h"

#include <future>
#include <optional>
#include <vector>

namespace hostlet::bridge {

class SocketOpener {
 public:
  // Starts opening one NETLINK_ROUTE socket per element of `groups` (its RTMGRP_* multicast
  // groups, 0 for none) inside `netns`, and returns at once. get() waits for them, or rethrows
  // std::system_error when the namespace cannot be entered, or CniError. The request holds a
  // handle of its own on the namespace. Thread-safe. Destroying the opener opens what was asked
  // for already, then stops the thread.
  std::future<std::vector<UniqueFd>> Open(const NetnsFile& netns,
                                          std::vector<unsigned> groups = {0});

 private:
  // On the worker's thread: enters `netns`, opens the sockets, and goes back to where it started.
  std::vector<UniqueFd> OpenInside(const NetnsFile& netns, const std::vector<unsigned>& groups);

  // The namespace the thread goes back to after each request, so as not to keep a pod's
  // namespace alive after its sockets are closed: the thread's own at its first request, its
  // creator's. Used by that thread alone.
  std::optional<NetnsFile> home_;
  bool home_known_ = false;
  SerialWorker worker_;  // declared last, so its thread stops before what it uses goes
};

}  // namespace hostlet::bridge
