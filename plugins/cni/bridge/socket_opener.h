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

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace hostlet::bridge {

class SocketOpener {
 public:
  SocketOpener() = default;
  SocketOpener(const SocketOpener&) = delete;
  SocketOpener& operator=(const SocketOpener&) = delete;
  // Opens what was asked for already, then stops the thread.
  ~SocketOpener();

  // Starts opening one NETLINK_ROUTE socket per element of `groups` (its RTMGRP_* multicast
  // groups, 0 for none) inside `netns`, and returns at once. get() waits for them, or rethrows
  // std::system_error when the namespace cannot be entered, or CniError. The request holds a
  // handle of its own on the namespace. Thread-safe.
  std::future<std::vector<UniqueFd>> Open(const NetnsFile& netns,
                                          std::vector<unsigned> groups = {0});

 private:
  struct Request {
    NetnsFile netns;
    std::vector<unsigned> groups;
    std::promise<std::vector<UniqueFd>> sockets;
  };
  void Serve();

  std::mutex mutex_;
  std::condition_variable requested_;
  std::deque<Request> requests_;
  std::thread thread_;  // started by the first request
  bool stopping_ = false;
};

}  // namespace hostlet::bridge
