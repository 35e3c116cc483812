// ADD: reserve addresses while finding the bridge and creating the veth pair with its far end in
// the pod (a missing bridge is created once the addresses are reserved), then configure the pod's
// addresses and routes, the gateway and masquerading; undo all of it if any step fails.
#include "plugins/cni/bridge/addresses_routes.h"
#include "plugins/cni/bridge/commands.h"
#include "plugins/cni/bridge/host_links.h"
#include "plugins/cni/bridge/host_local/host_local.h"
#include "plugins/cni/bridge/ip_masq.h"
#include "plugins/cni/bridge/mac_address.h"
#include "plugins/cni/bridge/names.h"
#include "plugins/cni/bridge/net_conf.h"
#include "plugins/cni/bridge/netns_thread.h"
#include "plugins/cni/bridge/result.h"
#include "plugins/cni/bridge/rollback.h"

#include <net/if.h>

#include <algorithm>
#include <future>
#include <optional>

namespace hostlet::bridge {
namespace {

// The index of the container interface in the result's interface list (bridge, host veth,
// container), which every address refers to.
constexpr int kContainerInterface = 2;

bool IsDefaultRoute(const ResultRoute& route) { return route.destination.prefix() == 0; }

// The first gateway of each family, for routes that name none.
std::optional<IpAddress> GatewayFor(const std::vector<ResultIp>& ips, bool v4) {
  for (const ResultIp& ip : ips) {
    if (ip.gateway && ip.gateway->is_v4() == v4) return ip.gateway;
  }
  return std::nullopt;
}

void AddDefaultRoutes(const NetConf& conf, Result& result) {
  if (!conf.is_default_gateway) return;
  for (bool v4 : {true, false}) {
    auto gateway = GatewayFor(result.ips, v4);
    if (!gateway) continue;
    bool present = std::any_of(result.routes.begin(), result.routes.end(), [&](const auto& r) {
      return IsDefaultRoute(r) && r.gateway && r.destination.address().is_v4() == v4;
    });
    if (!present) result.routes.push_back({IpNet(IpAddress::Zero(gateway->family()), 0), gateway});
  }
}

// Through a socket of the pod's namespace, from this thread. `index` is the interface's, when
// known (else 0).
void ConfigurePod(NetlinkSocket& pod, const std::string& if_name, int index, const Result& result) {
  std::optional<LinkInfo> link;
  if (index > 0) {
    link.emplace().index = index;
    link->name = if_name;
  } else {
    link = pod.FindLink(if_name);
  }
  if (!link) throw CniError(kCniPluginFailure, "interface " + if_name + " vanished from the pod");
  SetLinkFlags(pod, *link, IFF_UP);
  for (const ResultIp& ip : result.ips) AddAddress(pod, link->index, ip.address);
  for (const ResultRoute& route : result.routes) {
    auto gateway =
        route.gateway ? route.gateway : GatewayFor(result.ips, route.destination.address().is_v4());
    AddRoute(pod, {route.destination, gateway, link->index});
  }
}

}  // namespace

nlohmann::json AddAttachment(const CniRequest& request, ModuleThreads& threads) {
  // Everything that can be refused is refused before anything is changed.
  const NetConf conf = ParseNetConf(request);
  CheckAttachmentNames(request);
  std::optional<host_local::IpamConfig> ipam_config;
  if (!conf.ipam_type.empty()) {
    ipam_config = host_local::ParseIpamConfig(request.config, request.args);
  }
  const NetnsFile netns = OpenPodNetns(request);
  // A socket of the pod's namespace, opened while this thread reserves the addresses and builds
  // the host side.
  auto pod_socket = threads.sockets.Open(netns);
  std::optional<host_local::HostLocal> ipam;
  if (ipam_config) ipam.emplace(std::move(*ipam_config));
  const host_local::Attachment attachment{request.container_id, request.if_name};

  // Declared before the rollback, whose steps use them.
  HostSockets::Lease host_socket = threads.host_sockets.Take();
  NetlinkSocket& host = *host_socket;
  VethSpec veth;
  veth.host_name = HostVethName(request.container_id, request.if_name);
  veth.host_mac = RandomMac();
  veth.container_name = request.if_name;
  veth.container_mac = conf.mac.value_or(RandomMac());
  veth.container_netns_fd = netns.fd();
  veth.mtu = conf.mtu;
  // The addresses are reserved on a thread of the module's while this one builds the veth pair:
  // neither needs the other, and the reservation's file work (a lock, a directory listing, two
  // files written) then costs an ADD no time of its own when a CPU is free. What the command
  // reports and leaves behind is as if the reservation had come first: a missing bridge is
  // created only once it has succeeded, its error is the one reported even when the host side
  // failed too, and whatever was made is undone when it fails.
  std::future<host_local::IpamResult> reserving;
  std::optional<host_local::IpamResult> allocated;  // the reservation, once it has succeeded
  // Waits for the reservation; throws its error.
  auto settle = [&] {
    if (reserving.valid()) allocated = reserving.get();
  };
  Rollback rollback;  // after what its steps use, so that it runs before they go
  if (ipam) {
    // Pushed before the task is queued, so that no failure can leave the task running: waits for
    // it and gives back what it reserved (nothing, if it failed), and nothing an earlier ADD did.
    rollback.Push([&] {
      try {
        settle();
      } catch (...) {
      }
      if (allocated) ipam->GiveBack(attachment, allocated->ips);
    });
    reserving = threads.reserver.Run([&] { return ipam->Allocate(attachment); });
  }

  LinkInfo bridge;
  int container_index = 0;
  try {
    bridge = EnsureBridge(host, {conf.bridge, conf.mtu, conf.promisc_mode, conf.vlan != 0},
                          /*before_creating=*/settle);
    veth.bridge_index = bridge.index;
    container_index = CreateVethPair(host, veth);
  } catch (...) {
    settle();  // a failed reservation is the error to report
    throw;
  }
  rollback.Push([&] { DeleteLinkIfPresent(host, veth.host_name); });

  Result result;
  if (ipam) {
    settle();
    for (const auto& ip : allocated->ips) {
      result.ips.push_back({ip.address, ip.gateway, kContainerInterface});
    }
    for (const auto& route : allocated->routes)
      result.routes.push_back({route.destination, route.gateway});
    if (!allocated->dns.is_null()) result.dns = allocated->dns;
    AddDefaultRoutes(conf, result);
  }
  if (!conf.dns.is_null()) result.dns = conf.dns;

  if (conf.hairpin_mode || conf.vlan != 0) {
    auto port = host.FindLink(veth.host_name);
    if (!port) throw CniError(kCniPluginFailure, "veth " + veth.host_name + " vanished");
    if (conf.hairpin_mode) SetHairpin(host, port->index);
    if (conf.vlan != 0) SetPortVlan(host, port->index, conf.vlan, /*self=*/false);
  }

  NetlinkSocket pod(std::move(pod_socket.get().front()));
  ConfigurePod(pod, request.if_name, container_index, result);

  if (conf.is_gateway) {
    for (const ResultIp& ip : result.ips) {
      if (!ip.gateway) continue;
      EnsureBridgeAddress(host, bridge, IpNet(*ip.gateway, ip.address.prefix()),
                          conf.force_address);
      EnableForwarding(ip.gateway->family());
    }
    if (conf.vlan != 0 && !result.ips.empty()) {
      SetPortVlan(host, bridge.index, conf.vlan, /*self=*/true);
    }
  }
  if (conf.ip_masq && !result.ips.empty()) {
    rollback.Push([&] { TearDownIpMasq(conf.name, request.container_id); });
    std::vector<IpNet> addresses;
    for (const ResultIp& ip : result.ips) addresses.push_back(ip.address);
    SetUpIpMasq(conf.name, request.container_id, addresses);
  }

  result.interfaces = {{bridge.name, bridge.mac, ""},
                       {veth.host_name, veth.host_mac, ""},
                       {request.if_name, veth.container_mac, request.netns}};
  rollback.Commit();
  host_socket.Return();
  return ToJson(result, conf.cni_version);
}

}  // namespace hostlet::bridge
