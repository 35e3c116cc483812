#include "plugins/cni/bridge/netlink_socket.h"

#include "plugins/cni/bridge/mac_address.h"

#include <hostlet/sdk/network_plugin.h>

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/route/link.h>

#include <new>

namespace hostlet::bridge {

bool LinkInfo::up() const { return (flags & IFF_UP) != 0; }
bool LinkInfo::promiscuous() const { return (flags & IFF_PROMISC) != 0; }

void ThrowNetlink(const std::string& action, int error) {
  throw CniError(kCniPluginFailure, action + ": " + nl_geterror(error));
}

NetlinkSocket::NetlinkSocket() : socket_(nl_socket_alloc()) {
  if (socket_ == nullptr) throw CniError(kCniPluginFailure, "cannot allocate a netlink socket");
  if (int error = nl_connect(socket_, NETLINK_ROUTE); error < 0) {
    nl_socket_free(socket_);
    ThrowNetlink("cannot open a netlink socket", error);
  }
  // One read per message with a buffer large enough for a page of replies, rather than libnl's
  // default of peeking at each message's size first.
  nl_socket_disable_msg_peek(socket_);
  nl_socket_set_msg_buf_size(socket_, 32768);
}

NetlinkSocket::~NetlinkSocket() { nl_socket_free(socket_); }

std::optional<LinkInfo> NetlinkSocket::FindLink(const std::string& name) {
  rtnl_link* link = nullptr;
  int error = rtnl_link_get_kernel(socket_, 0, name.c_str(), &link);
  if (error == -NLE_OBJ_NOTFOUND || error == -NLE_NODEV) return std::nullopt;
  if (error < 0) ThrowNetlink("cannot look up interface " + name, error);
  LinkInfo info;
  info.index = rtnl_link_get_ifindex(link);
  info.name = rtnl_link_get_name(link);
  const char* kind = rtnl_link_get_type(link);
  info.kind = kind != nullptr ? kind : "";
  if (nl_addr* mac = rtnl_link_get_addr(link); mac != nullptr) {
    info.mac =
        FormatMac(static_cast<const uint8_t*>(nl_addr_get_binary_addr(mac)), nl_addr_get_len(mac));
  }
  info.master = rtnl_link_get_master(link);
  info.peer = rtnl_link_get_link(link);
  info.flags = rtnl_link_get_flags(link);
  info.mtu = rtnl_link_get_mtu(link);
  rtnl_link_put(link);
  return info;
}

int NetlinkSocket::SendAndAck(nl_msg* message) {
  int error = nl_send_auto(socket_, message);
  if (error < 0) return error;
  return nl_wait_for_ack(socket_);
}

NlMsg LinkRequest(int type, int family, int index, unsigned flags, unsigned change) {
  NlMsg message(nlmsg_alloc_simple(type, NLM_F_REQUEST | NLM_F_ACK));
  if (!message) throw std::bad_alloc();
  ifinfomsg header{};
  header.ifi_family = static_cast<unsigned char>(family);
  header.ifi_index = index;
  header.ifi_flags = flags;
  header.ifi_change = change;
  if (nlmsg_append(message.get(), &header, sizeof(header), NLMSG_ALIGNTO) < 0) {
    throw std::bad_alloc();
  }
  return message;
}

void SetLinkFlags(NetlinkSocket& socket, const LinkInfo& link, unsigned flags) {
  NlMsg message = LinkRequest(RTM_NEWLINK, AF_UNSPEC, link.index, flags, flags);
  if (int error = socket.SendAndAck(message.get()); error < 0) {
    ThrowNetlink("cannot set flags of " + link.name, error);
  }
}

}  // namespace hostlet::bridge
