#include "plugins/cni/bridge/netlink_socket.h"

#include "plugins/cni/bridge/mac_address.h"

#include <hostlet/sdk/network_plugin.h>

#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>

namespace hostlet::bridge {

bool LinkInfo::up() const { return (flags & IFF_UP) != 0; }
bool LinkInfo::promiscuous() const { return (flags & IFF_PROMISC) != 0; }

void ThrowNetlink(const std::string& action, int error) {
  throw CniError(kCniPluginFailure, action + ": " + nl_geterror(error));
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.Release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) close(fd_);
}

UniqueFd OpenRouteSocket(unsigned groups) {
  UniqueFd socket(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!socket) {
    throw CniError(kCniPluginFailure,
                   std::string("cannot open a netlink socket: ") + std::strerror(errno));
  }
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  local.nl_groups = groups;
  if (bind(socket.get(), reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0) {
    throw CniError(kCniPluginFailure,
                   std::string("cannot bind a netlink socket: ") + std::strerror(errno));
  }
  return socket;
}

namespace {

void Tune(nl_sock* socket) {
  // One read per message with a buffer large enough for a page of replies, rather than libnl's
  // default of peeking at each message's size first.
  nl_socket_disable_msg_peek(socket);
  nl_socket_set_msg_buf_size(socket, 32768);
}

}  // namespace

NetlinkSocket::NetlinkSocket() : socket_(nl_socket_alloc()) {
  if (socket_ == nullptr) throw CniError(kCniPluginFailure, "cannot allocate a netlink socket");
  if (int error = nl_connect(socket_, NETLINK_ROUTE); error < 0) {
    nl_socket_free(socket_);
    ThrowNetlink("cannot open a netlink socket", error);
  }
  Tune(socket_);
}

NetlinkSocket::NetlinkSocket(UniqueFd socket) : socket_(nl_socket_alloc()) {
  if (socket_ == nullptr) throw CniError(kCniPluginFailure, "cannot allocate a netlink socket");
  // libnl takes the bound port from the socket itself, and closes it from here on.
  if (int error = nl_socket_set_fd(socket_, NETLINK_ROUTE, socket.get()); error < 0) {
    nl_socket_free(socket_);
    ThrowNetlink("cannot use a netlink socket", error);
  }
  socket.Release();
  Tune(socket_);
}

NetlinkSocket::~NetlinkSocket() { nl_socket_free(socket_); }

int NetlinkSocket::Ask(nl_msg* request, const std::string& action,
                       const std::function<void(nlmsghdr*)>& read) {
  return Exchange(request, action, read, /*until_ack=*/false);
}

int NetlinkSocket::SendAndCollect(nl_msg* request, const std::string& action,
                                  const std::function<void(nlmsghdr*)>& read) {
  // Sent as built (nl_send does not complete a message), so the flags every request needs are
  // set here.
  nlmsg_hdr(request)->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  return Exchange(request, action, read, /*until_ack=*/true);
}

int NetlinkSocket::Exchange(nl_msg* request, const std::string& action,
                            const std::function<void(nlmsghdr*)>& read, bool until_ack) {
  // Sent as it is, with a sequence number of its own, so that libnl's counters stay in step with
  // the replies its own receive loop checks.
  const uint32_t sequence = ++questions_;
  nlmsg_hdr(request)->nlmsg_seq = sequence;
  if (int error = nl_send(socket_, request); error < 0) ThrowNetlink(action, error);
  for (;;) {
    sockaddr_nl peer{};
    unsigned char* buffer = nullptr;
    int size = nl_recv(socket_, &peer, &buffer, nullptr);
    if (size < 0) ThrowNetlink(action, size);
    std::unique_ptr<unsigned char, decltype(&free)> owned(buffer, &free);
    for (auto* reply = reinterpret_cast<nlmsghdr*>(buffer); nlmsg_ok(reply, size);
         reply = nlmsg_next(reply, &size)) {
      if (reply->nlmsg_seq != sequence) continue;  // nothing else is asked on this socket meanwhile
      if (reply->nlmsg_type == NLMSG_ERROR) return static_cast<nlmsgerr*>(nlmsg_data(reply))->error;
      read(reply);
      if (!until_ack) return 0;
    }
  }
}

std::optional<LinkInfo> NetlinkSocket::GetLink(const std::string& name, int nsid, int index) {
  // RTM_GETLINK without statistics, read straight off the reply: what libnl's
  // rtnl_link_get_kernel() asks, without its object cache, whose parsing of every attribute of
  // the reply took half of each lookup's time.
  NlMsg request(nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST));
  if (!request) throw std::bad_alloc();
  ifinfomsg header{};
  header.ifi_family = AF_UNSPEC;
  header.ifi_index = index;
  if (nlmsg_append(request.get(), &header, sizeof(header), NLMSG_ALIGNTO) < 0 ||
      nla_put_u32(request.get(), IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0 ||
      (!name.empty() && nla_put_string(request.get(), IFLA_IFNAME, name.c_str()) < 0) ||
      (nsid >= 0 && nla_put_s32(request.get(), IFLA_TARGET_NETNSID, nsid) < 0)) {
    throw std::bad_alloc();
  }
  const std::string action =
      "cannot look up interface " + (name.empty() ? std::to_string(index) : name);
  std::optional<LinkInfo> found;
  int error = Ask(request.get(), action, [&](nlmsghdr* reply) {
    if (reply->nlmsg_type != RTM_NEWLINK) return;
    nlattr* attributes[IFLA_MAX + 1];
    if (int parsed = nlmsg_parse(reply, sizeof(ifinfomsg), attributes, IFLA_MAX, nullptr);
        parsed < 0) {
      ThrowNetlink(action, parsed);
    }
    // A kernel that does not know IFLA_TARGET_NETNSID ignores it and answers for its own
    // namespace; one that knows it says so in the reply.
    if (nsid >= 0 && (!attributes[IFLA_TARGET_NETNSID] ||
                      nla_get_s32(attributes[IFLA_TARGET_NETNSID]) != nsid)) {
      return;
    }
    const auto* link = static_cast<const ifinfomsg*>(nlmsg_data(reply));
    LinkInfo& info = found.emplace();
    info.index = link->ifi_index;
    info.flags = link->ifi_flags;
    if (attributes[IFLA_IFNAME]) info.name = nla_get_string(attributes[IFLA_IFNAME]);
    if (nlattr* mac = attributes[IFLA_ADDRESS]; mac != nullptr && nla_len(mac) > 0) {
      info.mac = FormatMac(static_cast<const uint8_t*>(nla_data(mac)),
                           static_cast<unsigned>(nla_len(mac)));
    }
    if (attributes[IFLA_MASTER])
      info.master = static_cast<int>(nla_get_u32(attributes[IFLA_MASTER]));
    if (attributes[IFLA_LINK]) info.peer = static_cast<int>(nla_get_u32(attributes[IFLA_LINK]));
    if (attributes[IFLA_LINK_NETNSID]) info.peer_nsid = nla_get_s32(attributes[IFLA_LINK_NETNSID]);
    if (attributes[IFLA_MTU]) info.mtu = nla_get_u32(attributes[IFLA_MTU]);
    if (attributes[IFLA_LINKINFO]) {
      nlattr* link_info[IFLA_INFO_MAX + 1];
      if (nla_parse_nested(link_info, IFLA_INFO_MAX, attributes[IFLA_LINKINFO], nullptr) == 0 &&
          link_info[IFLA_INFO_KIND]) {
        info.kind = nla_get_string(link_info[IFLA_INFO_KIND]);
      }
    }
  });
  if (error == -ENODEV) return std::nullopt;
  // Looking into another namespace is an optimization its callers can do without.
  if (error < 0 && nsid >= 0) return std::nullopt;
  if (error < 0) ThrowNetlink(action, -nl_syserr2nlerr(-error));
  return found;
}

std::optional<LinkInfo> NetlinkSocket::FindLink(const std::string& name) {
  return GetLink(name, -1, 0);
}

std::optional<LinkInfo> NetlinkSocket::FindLinkIn(int nsid, int index) {
  if (nsid < 0 || index <= 0) return std::nullopt;
  return GetLink("", nsid, index);
}

std::optional<int> NetlinkSocket::NetnsId(int netns_fd) {
  NlMsg request(nlmsg_alloc_simple(RTM_GETNSID, NLM_F_REQUEST));
  if (!request) throw std::bad_alloc();
  rtgenmsg header{};
  header.rtgen_family = AF_UNSPEC;
  if (nlmsg_append(request.get(), &header, sizeof(header), NLMSG_ALIGNTO) < 0 ||
      nla_put_u32(request.get(), NETNSA_FD, static_cast<uint32_t>(netns_fd)) < 0) {
    throw std::bad_alloc();
  }
  std::optional<int> id;
  int error = Ask(request.get(), "cannot get a namespace id", [&](nlmsghdr* reply) {
    nlattr* attributes[NETNSA_MAX + 1];
    if (reply->nlmsg_type == RTM_NEWNSID &&
        nlmsg_parse(reply, sizeof(rtgenmsg), attributes, NETNSA_MAX, nullptr) == 0 &&
        attributes[NETNSA_NSID] && nla_get_s32(attributes[NETNSA_NSID]) >= 0) {
      id = nla_get_s32(attributes[NETNSA_NSID]);
    }
  });
  if (error < 0) return std::nullopt;
  return id;
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
