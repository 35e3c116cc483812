// The host side of an attachment: the bridge, the veth pair whose far end is created directly
// inside the pod's namespace, the bridge port's settings and the gateway address on the bridge.
// Every call works in the namespace of the socket it is given.
#pragma once

#include "plugins/cni/bridge/ip_address.h"
#include "plugins/cni/bridge/netlink_socket.h"

#include <functional>
#include <string>

namespace hostlet::bridge {

struct BridgeSettings {
  std::string name;
  unsigned mtu = 0;  // 0: the kernel's default
  bool promiscuous = false;
  bool vlan_filtering = false;
};

// Returns the bridge `settings.name`, creating it when missing and bringing it up. A device of
// that name that is not a bridge is refused.
// `before_creating` runs, when given, just before the bridge is created (not when it exists); what
// it throws leaves the bridge uncreated.
LinkInfo EnsureBridge(NetlinkSocket& host, const BridgeSettings& settings,
                      const std::function<void()>& before_creating = {});

struct VethSpec {
  std::string host_name;  // the end that stays on the host, attached to the bridge
  std::string host_mac;
  int bridge_index = 0;
  std::string container_name;  // CNI_IFNAME, created inside the pod's namespace
  std::string container_mac;
  int container_netns_fd = -1;
  unsigned mtu = 0;
};

// Creates the pair in one request: the host end attached to the bridge and up, the container end
// created directly in the pod's namespace under its final name. Returns the container end's
// index in the pod's namespace, or 0 when the kernel did not say (before Linux 6.1).
int CreateVethPair(NetlinkSocket& host, const VethSpec& spec);

// Bridge port settings of the host end.
void SetHairpin(NetlinkSocket& host, int port_index);
// Makes `vlan` the port's untagged, native VLAN (or, with `self`, the bridge device's own).
void SetPortVlan(NetlinkSocket& host, int index, int vlan, bool self);

// Puts `gateway` (with its prefix) on the bridge. Another IPv4 address of the bridge, or an
// overlapping IPv6 one, is replaced when `force`, and refused otherwise.
void EnsureBridgeAddress(NetlinkSocket& host, const LinkInfo& bridge, const IpNet& gateway,
                         bool force);

// Deletes the interface if it exists; returns whether it did.
bool DeleteLinkIfPresent(NetlinkSocket& socket, const std::string& name);

// Turns on forwarding for the family, as a gateway needs.
void EnableForwarding(int family);

}  // namespace hostlet::bridge
