#include "plugins/cni/bridge/host_links.h"

#include "plugins/cni/bridge/addresses_routes.h"
#include "plugins/cni/bridge/mac_address.h"

#include <hostlet/sdk/network_plugin.h>

#include <fcntl.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace hostlet::bridge {
namespace {

struct LinkPut {
  void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};
using Link = std::unique_ptr<rtnl_link, LinkPut>;

void SetMac(rtnl_link* link, const std::string& mac) {
  nl_addr* address = nullptr;
  if (int error = nl_addr_parse(mac.c_str(), AF_LLC, &address); error < 0) {
    ThrowNetlink("invalid MAC address " + mac, error);
  }
  rtnl_link_set_addr(link, address);
  nl_addr_put(address);
}

void Send(NetlinkSocket& socket, nl_msg* message, const std::string& action) {
  if (int error = socket.SendAndAck(message); error < 0) ThrowNetlink(action, error);
}

constexpr char kNoVlanFiltering[] =
    "this kernel's bridges do not support VLAN filtering, which \"vlan\" needs";

// IFLA_LINKINFO { kind "bridge", data { vlan_filtering } }.
void PutBridgeInfo(nl_msg* message, bool vlan_filtering) {
  nlattr* info = nla_nest_start(message, IFLA_LINKINFO);
  nla_put_string(message, IFLA_INFO_KIND, "bridge");
  if (vlan_filtering) {
    nlattr* data = nla_nest_start(message, IFLA_INFO_DATA);
    nla_put_u8(message, IFLA_BR_VLAN_FILTERING, 1);
    nla_nest_end(message, data);
  }
  nla_nest_end(message, info);
}

// Creates the bridge, up, with every setting in the one request, so that a setting the kernel
// refuses (VLAN filtering is a build option) leaves no bridge behind.
int CreateBridge(NetlinkSocket& host, const BridgeSettings& settings) {
  NlMsg message(
      nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL));
  if (!message) throw std::bad_alloc();
  ifinfomsg header{};
  header.ifi_family = AF_UNSPEC;
  header.ifi_flags = header.ifi_change = IFF_UP;
  nlmsg_append(message.get(), &header, sizeof(header), NLMSG_ALIGNTO);
  nla_put_string(message.get(), IFLA_IFNAME, settings.name.c_str());
  if (settings.mtu != 0) nla_put_u32(message.get(), IFLA_MTU, settings.mtu);
  // A bridge without an address of its own takes the lowest one of its ports, so its MAC (and
  // the pods' ARP entries for the gateway) would change as pods come and go.
  uint8_t mac[6];
  nl_addr* random = nullptr;
  if (nl_addr_parse(RandomMac().c_str(), AF_LLC, &random) < 0) throw std::bad_alloc();
  std::memcpy(mac, nl_addr_get_binary_addr(random), sizeof(mac));
  nl_addr_put(random);
  nla_put(message.get(), IFLA_ADDRESS, sizeof(mac), mac);
  PutBridgeInfo(message.get(), settings.vlan_filtering);
  return host.SendAndAck(message.get());
}

void EnableVlanFiltering(NetlinkSocket& socket, const LinkInfo& bridge) {
  NlMsg message = LinkRequest(RTM_NEWLINK, AF_UNSPEC, bridge.index);
  PutBridgeInfo(message.get(), true);
  int error = socket.SendAndAck(message.get());
  if (error == -NLE_OPNOTSUPP) {
    throw CniError(kCniPluginFailure,
                   "cannot use \"vlan\" on bridge " + bridge.name + ": " + kNoVlanFiltering);
  }
  if (error < 0) ThrowNetlink("cannot enable VLAN filtering on " + bridge.name, error);
}

std::string BridgeNotCreated(const std::string& name) {
  return "failed to create bridge \"" + name + "\"";
}

}  // namespace

LinkInfo EnsureBridge(NetlinkSocket& host, const BridgeSettings& settings,
                      const std::function<void()>& before_creating) {
  auto bridge = host.FindLink(settings.name);
  if (!bridge) {
    if (before_creating) before_creating();
    int error = CreateBridge(host, settings);
    // Another ADD may have created it meanwhile; that one is as good as ours.
    if (error == -NLE_OPNOTSUPP && settings.vlan_filtering) {
      throw CniError(kCniPluginFailure, BridgeNotCreated(settings.name) + ": " + kNoVlanFiltering);
    }
    if (error < 0 && error != -NLE_EXIST) ThrowNetlink(BridgeNotCreated(settings.name), error);
    bridge = host.FindLink(settings.name);
    if (!bridge) throw CniError(kCniPluginFailure, BridgeNotCreated(settings.name));
  }
  if (bridge->kind != "bridge") {
    throw CniError(kCniPluginFailure, BridgeNotCreated(settings.name) + ": \"" + settings.name +
                                          "\" already exists but is not a bridge");
  }
  unsigned wanted = IFF_UP | (settings.promiscuous ? IFF_PROMISC : 0);
  if ((bridge->flags & wanted) != wanted) {
    SetLinkFlags(host, *bridge, wanted);
    bridge->flags |= wanted;
  }
  if (settings.vlan_filtering) EnableVlanFiltering(host, *bridge);
  return *bridge;
}

int CreateVethPair(NetlinkSocket& host, const VethSpec& spec) {
  Link veth(rtnl_link_veth_alloc());
  if (!veth) throw std::bad_alloc();
  rtnl_link_set_name(veth.get(), spec.host_name.c_str());
  SetMac(veth.get(), spec.host_mac);
  rtnl_link_set_master(veth.get(), spec.bridge_index);
  rtnl_link_set_flags(veth.get(), IFF_UP);
  rtnl_link* peer = rtnl_link_veth_get_peer(veth.get());
  rtnl_link_set_name(peer, spec.container_name.c_str());
  SetMac(peer, spec.container_mac);
  // Not brought up here: the kernel refuses to open a veth end before its peer exists.
  rtnl_link_set_ns_fd(peer, spec.container_netns_fd);
  if (spec.mtu != 0) {
    rtnl_link_set_mtu(veth.get(), spec.mtu);
    rtnl_link_set_mtu(peer, spec.mtu);
  }
  // One queue each way, the number a veth pair uses anyway: asked nothing, the kernel allocates
  // one per possible CPU, registers each with sysfs, then trims the pair to one queue, and
  // trimming a registered device's queues waits for an RCU grace period. That wait was about a
  // third of the request's time, and far more of its spread on a busy machine; the allocation
  // and the sysfs work grow with the number of CPUs. Only the ceiling differs: `ethtool -L`
  // cannot raise these queues later.
  for (rtnl_link* end : {veth.get(), peer}) {
    rtnl_link_set_num_tx_queues(end, 1);
    rtnl_link_set_num_rx_queues(end, 1);
  }
  rtnl_link_put(peer);  // veth_get_peer took a reference
  const std::string action = "failed to create veth pair " + spec.host_name + " (host) / " +
                             spec.container_name + " (container)";
  nl_msg* built = nullptr;
  if (int error = rtnl_link_build_add_request(veth.get(), NLM_F_CREATE | NLM_F_EXCL, &built);
      error < 0) {
    ThrowNetlink(action, error);
  }
  NlMsg request(built);
  // The kernel's copy of the new host end (NLM_F_ECHO, since Linux 6.1) names its peer's index
  // in the pod. Learning it here spares a lookup inside the pod, and a lookup right after the
  // creation is not cheap: it first makes the kernel process the link's pending carrier change,
  // which it otherwise does on a worker of its own.
  nlmsg_hdr(request.get())->nlmsg_flags |= NLM_F_ECHO;
  int container_index = 0;
  int error = host.SendAndCollect(request.get(), action, [&](nlmsghdr* reply) {
    nlattr* attributes[IFLA_MAX + 1];
    if (reply->nlmsg_type == RTM_NEWLINK &&
        nlmsg_parse(reply, sizeof(ifinfomsg), attributes, IFLA_MAX, nullptr) == 0 &&
        attributes[IFLA_LINK] && attributes[IFLA_LINK_NETNSID]) {
      container_index = static_cast<int>(nla_get_u32(attributes[IFLA_LINK]));
    }
  });
  if (error < 0) ThrowNetlink(action, -nl_syserr2nlerr(-error));
  return container_index;
}

void SetHairpin(NetlinkSocket& host, int port_index) {
  NlMsg message = LinkRequest(RTM_SETLINK, AF_BRIDGE, port_index);
  // The kernel reads a nested IFLA_PROTINFO only when the nested flag is set.
  nlattr* protinfo = nla_nest_start(message.get(), IFLA_PROTINFO | NLA_F_NESTED);
  nla_put_u8(message.get(), IFLA_BRPORT_MODE, 1);
  nla_nest_end(message.get(), protinfo);
  Send(host, message.get(), "failed to set hairpin mode");
}

void SetPortVlan(NetlinkSocket& host, int index, int vlan, bool self) {
  NlMsg message = LinkRequest(RTM_SETLINK, AF_BRIDGE, index);
  nlattr* spec = nla_nest_start(message.get(), IFLA_AF_SPEC);
  if (self) nla_put_u16(message.get(), IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF);
  bridge_vlan_info info{};
  info.flags = BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED;
  info.vid = static_cast<uint16_t>(vlan);
  nla_put(message.get(), IFLA_BRIDGE_VLAN_INFO, sizeof(info), &info);
  nla_nest_end(message.get(), spec);
  Send(host, message.get(), "failed to set VLAN " + std::to_string(vlan));
}

void EnsureBridgeAddress(NetlinkSocket& host, const LinkInfo& bridge, const IpNet& gateway,
                         bool force) {
  // The common case, a bridge that carries the gateway already, costs this one request.
  if (!AddAddress(host, bridge.index, gateway)) return;
  for (const IpNet& existing : ListAddresses(host, bridge.index)) {
    if (existing.address().family() != gateway.address().family() || existing == gateway) {
      continue;
    }
    bool conflicts = gateway.address().is_v4() || existing.Contains(gateway.address()) ||
                     gateway.Contains(existing.address());
    if (!conflicts) continue;
    if (!force) {
      DeleteAddress(host, bridge.index, gateway);
      throw CniError(kCniPluginFailure, "failed to set bridge addr: \"" + bridge.name +
                                            "\" already has an IP address different from " +
                                            gateway.ToString());
    }
    DeleteAddress(host, bridge.index, existing);
  }
}

bool DeleteLinkIfPresent(NetlinkSocket& socket, const std::string& name) {
  Link link(rtnl_link_alloc());
  if (!link) throw std::bad_alloc();
  rtnl_link_set_name(link.get(), name.c_str());
  int error = rtnl_link_delete(socket.get(), link.get());
  if (error == -NLE_NODEV || error == -NLE_OBJ_NOTFOUND) return false;
  if (error < 0) ThrowNetlink("failed to delete " + name, error);
  return true;
}

void EnableForwarding(int family) {
  const char* path = family == AF_INET ? "/proc/sys/net/ipv4/ip_forward"
                                       : "/proc/sys/net/ipv6/conf/all/forwarding";
  // Read on every ADD with a gateway, with plain reads rather than a stream.
  char current = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (read(fd, &current, 1) != 1) current = 0;
    close(fd);
  }
  if (current == '1') return;
  fd = open(path, O_WRONLY | O_CLOEXEC);
  bool written = fd >= 0 && write(fd, "1", 1) == 1;
  if (fd >= 0 && close(fd) != 0) written = false;
  if (!written) {
    throw CniError(kCniPluginFailure, std::string("failed to enable forwarding: ") + path + ": " +
                                          std::strerror(errno));
  }
}

}  // namespace hostlet::bridge
