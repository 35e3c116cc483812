// A NETLINK_ROUTE socket (libnl) and the link lookups every other netlink file needs. A netlink
// socket belongs to the network namespace of the thread that opened it, so open one per
// namespace, on a thread inside it (see netns_thread.h).
#pragma once

#include <netlink/msg.h>
#include <netlink/netlink.h>

#include <memory>
#include <optional>
#include <string>

namespace hostlet::bridge {

// What the module needs to know about a network interface.
struct LinkInfo {
  int index = 0;
  std::string name;
  std::string kind;  // "bridge", "veth", ... ("" for a device without a kind, e.g. lo)
  std::string mac;   // "aa:bb:cc:dd:ee:ff"
  int master = 0;    // ifindex of the bridge it is attached to, 0 when none
  int peer = 0;      // a veth's peer ifindex (in the peer's namespace), 0 when none
  unsigned flags = 0;
  unsigned mtu = 0;
  bool up() const;
  bool promiscuous() const;
};

class NetlinkSocket {
 public:
  NetlinkSocket();  // throws CniError when the socket cannot be opened
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;
  ~NetlinkSocket();

  nl_sock* get() const { return socket_; }

  // nullopt when no interface has that name.
  std::optional<LinkInfo> FindLink(const std::string& name);
  // Sends `message` and waits for the kernel's acknowledgement; returns the libnl error (<0) or 0.
  int SendAndAck(nl_msg* message);

 private:
  nl_sock* socket_;
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
