// NETLINK_ROUTE sockets of the module's own network namespace, kept open between calls.
//
// Opening and binding a socket is a handful of system calls that, between one pod's ADD and the
// next, run with cold caches: about 50 us of an ADD's 1 ms. A socket answers in the namespace it
// was opened in, for its whole life, and keeps that namespace alive: so only sockets of the
// namespace the pool was created in (the host's, where the agent calls from) are kept, and a
// caller in any other namespace gets a socket of its own, closed after the call.
#pragma once

#include "plugins/cni/bridge/netlink_socket.h"

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace hostlet::bridge {

class HostSockets {
 public:
  // A socket for one call. It goes back to the pool only through Return(), which a call makes
  // once its exchanges ended normally; otherwise (an exception part way through an exchange may
  // leave answers unread in it) it is closed.
  class Lease {
   public:
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() = default;
    NetlinkSocket& operator*() const { return *socket_; }
    NetlinkSocket* operator->() const { return socket_.get(); }
    void Return();

   private:
    friend class HostSockets;
    Lease(HostSockets* pool, std::unique_ptr<NetlinkSocket> socket)
        : pool_(pool), socket_(std::move(socket)) {}
    HostSockets* pool_;  // null: not the pool's namespace
    std::unique_ptr<NetlinkSocket> socket_;
  };

  // Kept sockets belong to the calling thread's namespace. Throws CniError.
  HostSockets();
  HostSockets(const HostSockets&) = delete;
  HostSockets& operator=(const HostSockets&) = delete;

  // A socket of the calling thread's namespace: an idle one, or a new one. Throws CniError.
  // Thread-safe.
  Lease Take();

 private:
  using NamespaceId = std::pair<dev_t, ino_t>;
  static NamespaceId CallersNamespace();
  // Enough for the calls that run at once; more are closed when returned.
  static constexpr size_t kMaxIdle = 8;

  const NamespaceId home_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<NetlinkSocket>> idle_;
};

}  // namespace hostlet::bridge
