// Interface addresses and routes over netlink, in the namespace of the socket given.
#pragma once

#include "plugins/cni/bridge/ip_address.h"
#include "plugins/cni/bridge/netlink_socket.h"

#include <optional>
#include <vector>

namespace hostlet::bridge {

// The addresses of interface `ifindex` (with their prefix lengths), IPv6 link-local ones left out.
std::vector<IpNet> ListAddresses(NetlinkSocket& socket, int ifindex);
// Adds `address` (an IPv4 one with its broadcast address); returns false when it was there
// already.
bool AddAddress(NetlinkSocket& socket, int ifindex, const IpNet& address);
void DeleteAddress(NetlinkSocket& socket, int ifindex, const IpNet& address);

struct RouteEntry {
  IpNet destination;
  std::optional<IpAddress> gateway;  // none: directly connected (scope link)
  int ifindex = 0;
  friend bool operator==(const RouteEntry&, const RouteEntry&) = default;
};

// Adds a route in the main table. An identical route already there (say, a default route another
// network set up first) is left as it is, as the spec asks.
void AddRoute(NetlinkSocket& socket, const RouteEntry& route);
// The routes of the main table of both families that leave through a single interface.
std::vector<RouteEntry> ListRoutes(NetlinkSocket& socket);

}  // namespace hostlet::bridge
