#include "plugins/cni/bridge/addresses_routes.h"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>

#include <memory>

namespace hostlet::bridge {
namespace {

struct NlAddrPut {
  void operator()(nl_addr* address) const { nl_addr_put(address); }
};
using NlAddr = std::unique_ptr<nl_addr, NlAddrPut>;

struct CacheFree {
  void operator()(nl_cache* cache) const { nl_cache_free(cache); }
};
using Cache = std::unique_ptr<nl_cache, CacheFree>;

NlAddr ToNl(const IpAddress& address, int prefix) {
  NlAddr result(nl_addr_build(address.family(), address.data(), address.size()));
  if (!result) throw std::bad_alloc();
  nl_addr_set_prefixlen(result.get(), prefix);
  return result;
}

std::optional<IpAddress> FromNl(nl_addr* address, int family) {
  if (address == nullptr) return std::nullopt;
  if (nl_addr_get_len(address) == 0) return IpAddress::Zero(family);  // the default route
  return IpAddress::FromBytes(nl_addr_get_family(address), nl_addr_get_binary_addr(address));
}

bool IsLinkLocalV6(const IpAddress& address) {
  return !address.is_v4() && address.data()[0] == 0xfe && (address.data()[1] & 0xc0) == 0x80;
}

struct AddrPut {
  void operator()(rtnl_addr* address) const { rtnl_addr_put(address); }
};

std::unique_ptr<rtnl_addr, AddrPut> MakeAddr(int ifindex, const IpNet& address) {
  std::unique_ptr<rtnl_addr, AddrPut> addr(rtnl_addr_alloc());
  if (!addr) throw std::bad_alloc();
  rtnl_addr_set_ifindex(addr.get(), ifindex);
  rtnl_addr_set_family(addr.get(), address.address().family());
  NlAddr local = ToNl(address.address(), address.prefix());
  rtnl_addr_set_local(addr.get(), local.get());
  rtnl_addr_set_prefixlen(addr.get(), address.prefix());
  return addr;
}

}  // namespace

std::vector<IpNet> ListAddresses(NetlinkSocket& socket, int ifindex) {
  nl_cache* raw = nullptr;
  if (int error = rtnl_addr_alloc_cache(socket.get(), &raw); error < 0) {
    ThrowNetlink("cannot list addresses", error);
  }
  Cache cache(raw);
  std::vector<IpNet> addresses;
  for (nl_object* object = nl_cache_get_first(raw); object != nullptr;
       object = nl_cache_get_next(object)) {
    auto* addr = reinterpret_cast<rtnl_addr*>(object);
    if (rtnl_addr_get_ifindex(addr) != ifindex) continue;
    auto local = FromNl(rtnl_addr_get_local(addr), rtnl_addr_get_family(addr));
    if (!local || IsLinkLocalV6(*local)) continue;
    addresses.emplace_back(*local, rtnl_addr_get_prefixlen(addr));
  }
  return addresses;
}

bool AddAddress(NetlinkSocket& socket, int ifindex, const IpNet& address) {
  auto addr = MakeAddr(ifindex, address);
  if (address.address().is_v4() && address.prefix() < 31) {
    NlAddr broadcast = ToNl(address.Broadcast(), 32);
    rtnl_addr_set_broadcast(addr.get(), broadcast.get());
  }
  if (!address.address().is_v4()) {
    // The pod's address is ours to give; duplicate address detection would only hold the address
    // back (tentative) for a second after the plugin has reported it usable.
    rtnl_addr_set_flags(addr.get(), IFA_F_NODAD);
  }
  int error = rtnl_addr_add(socket.get(), addr.get(), 0);
  if (error == -NLE_EXIST) return false;
  if (error < 0) ThrowNetlink("cannot add address " + address.ToString(), error);
  return true;
}

void DeleteAddress(NetlinkSocket& socket, int ifindex, const IpNet& address) {
  auto addr = MakeAddr(ifindex, address);
  int error = rtnl_addr_delete(socket.get(), addr.get(), 0);
  if (error < 0 && error != -NLE_NOADDR && error != -NLE_OBJ_NOTFOUND) {
    ThrowNetlink("cannot remove address " + address.ToString(), error);
  }
}

void AddRoute(NetlinkSocket& socket, const RouteEntry& entry) {
  struct RoutePut {
    void operator()(rtnl_route* route) const { rtnl_route_put(route); }
  };
  std::unique_ptr<rtnl_route, RoutePut> route(rtnl_route_alloc());
  if (!route) throw std::bad_alloc();
  const IpNet destination = entry.destination.Network();
  rtnl_route_set_family(route.get(), destination.address().family());
  NlAddr dst = ToNl(destination.address(), destination.prefix());
  rtnl_route_set_dst(route.get(), dst.get());
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
  rtnl_route_set_type(route.get(), RTN_UNICAST);
  rtnl_route_set_scope(route.get(), entry.gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
  rtnl_nexthop* nexthop = rtnl_route_nh_alloc();
  if (nexthop == nullptr) throw std::bad_alloc();
  rtnl_route_nh_set_ifindex(nexthop, entry.ifindex);
  if (entry.gateway) {
    NlAddr gateway = ToNl(*entry.gateway, entry.gateway->bits());
    rtnl_route_nh_set_gateway(nexthop, gateway.get());
  }
  rtnl_route_add_nexthop(route.get(), nexthop);  // the route owns it from here
  int error = rtnl_route_add(socket.get(), route.get(), NLM_F_EXCL);
  if (error < 0 && error != -NLE_EXIST) {
    ThrowNetlink("cannot add route to " + destination.ToString() +
                     (entry.gateway ? " via " + entry.gateway->ToString() : ""),
                 error);
  }
}

std::vector<RouteEntry> ListRoutes(NetlinkSocket& socket) {
  nl_cache* raw = nullptr;
  if (int error = rtnl_route_alloc_cache(socket.get(), AF_UNSPEC, 0, &raw); error < 0) {
    ThrowNetlink("cannot list routes", error);
  }
  Cache cache(raw);
  std::vector<RouteEntry> routes;
  for (nl_object* object = nl_cache_get_first(raw); object != nullptr;
       object = nl_cache_get_next(object)) {
    auto* route = reinterpret_cast<rtnl_route*>(object);
    if (rtnl_route_get_table(route) != RT_TABLE_MAIN || rtnl_route_get_type(route) != RTN_UNICAST ||
        rtnl_route_get_nnexthops(route) != 1) {
      continue;
    }
    int family = rtnl_route_get_family(route);
    auto destination = FromNl(rtnl_route_get_dst(route), family);
    if (!destination) continue;
    rtnl_nexthop* nexthop = rtnl_route_nexthop_n(route, 0);
    RouteEntry entry{IpNet(*destination, nl_addr_get_prefixlen(rtnl_route_get_dst(route))),
                     FromNl(rtnl_route_nh_get_gateway(nexthop), family),
                     rtnl_route_nh_get_ifindex(nexthop)};
    routes.push_back(entry);
  }
  return routes;
}

}  // namespace hostlet::bridge
