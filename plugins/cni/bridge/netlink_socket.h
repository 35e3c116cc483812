// A NETLINK_ROUTE socket (libnl) and the link lookups every other netlink file needs. A netlink
// socket belongs to the network namespace of the thread that opened it, for its whole life, and
// may then be used from any thread: so a socket for a pod's namespace is opened by a thread inside
// it (see socket_opener.h) and used from the caller's.
#pragma once

#include <netlink/msg.h>
#include <netlink/netlink.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace hostlet::bridge {

// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

// A raw NETLINK_ROUTE socket in the calling thread's network namespace, bound to a port the
// kernel picks, and subscribed to the multicast `groups` (RTMGRP_* bits; 0 for none). Throws
// CniError.
UniqueFd OpenRouteSocket(unsigned groups = 0);

// What the module needs to know about a network interface.
struct LinkInfo {
  int index = 0;
  std::string name;
  std::string kind;    // "bridge", "veth", ... ("" for a device without a kind, e.g. lo)
  std::string mac;     // "aa:bb:cc:dd:ee:ff"
  int master = 0;      // ifindex of the bridge it is attached to, 0 when none
  int peer = 0;        // a veth's peer ifindex (in the peer's namespace), 0 when none
  int peer_nsid = -1;  // the id of the peer's namespace, when it is another one and has an id
  unsigned flags = 0;
  unsigned mtu = 0;
  bool up() const;
  bool promiscuous() const;
};

class NetlinkSocket {
 public:
  NetlinkSocket();  // throws CniError when the socket cannot be opened
  // Takes over a socket from OpenRouteSocket(), which may have been opened in another namespace.
  explicit NetlinkSocket(UniqueFd socket);
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;
  ~NetlinkSocket();

  nl_sock* get() const { return socket_; }

  // nullopt when no interface has that name.
  std::optional<LinkInfo> FindLink(const std::string& name);
  // Interface `index` of the namespace this socket's namespace knows as `nsid` (a peer_nsid);
  // nullopt when there is none, or when the kernel cannot look into other namespaces.
  std::optional<LinkInfo> FindLinkIn(int nsid, int index);
  // The id this socket's namespace has for the namespace `netns_fd` refers to; nullopt when it
  // has none.
  std::optional<int> NetnsId(int netns_fd);
  // Sends `message` and waits for the kernel's acknowledgement; returns the libnl error (<0) or 0.
  int SendAndAck(nl_msg* message);
  // Sends `request` (made a request asking for an acknowledgement), and passes every other message
  // answering it
  // (an NLM_F_ECHO copy, say) to `read` until the acknowledgement comes; returns the kernel's
  // error (a negative errno), or 0.
  int SendAndCollect(nl_msg* request, const std::string& action,
                     const std::function<void(nlmsghdr*)>& read);

 private:
  // Sends `request` (answered by one message) with a sequence number of its own and passes the
  // answer to `read`; returns the kernel's error (a negative errno), or 0.
  int Ask(nl_msg* request, const std::string& action, const std::function<void(nlmsghdr*)>& read);
  // Ask's loop: with `until_ack`, reads past the answers to the acknowledgement.
  int Exchange(nl_msg* request, const std::string& action,
               const std::function<void(nlmsghdr*)>& read, bool until_ack);
  std::optional<LinkInfo> GetLink(const std::string& name, int nsid, int index);

  nl_sock* socket_;
  uint32_t questions_ = 0;  // sequence numbers of Exchange's requests
};

// Frees a libnl message.
struct NlMsgFree {
  void operator()(nl_msg* message) const { nlmsg_free(message); }
};
using NlMsg = std::unique_ptr<nl_msg, NlMsgFree>;

// An RTM_NEWLINK/RTM_SETLINK request for the existing interface `index`, to which attributes
// may be added.
NlMsg LinkRequest(int type, int family, int index, unsigned flags = 0, unsigned change = 0);

// Sets `flags` (IFF_UP, IFF_PROMISC, ...) on `link`, leaving its other flags alone.
void SetLinkFlags(NetlinkSocket& socket, const LinkInfo& link, unsigned flags);

// Throws a CniError naming the action and libnl's description of `error` (a negative libnl code).
[[noreturn]] void ThrowNetlink(const std::string& action, int error);

}  // namespace hostlet::bridge
