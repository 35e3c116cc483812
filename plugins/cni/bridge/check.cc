// CHECK: the attachment still is what prevResult says ADD made it: the address reservation, the
// bridge, the veth pair joining bridge and pod, the pod interface's MAC, addresses and routes.
#include "plugins/cni/bridge/addresses_routes.h"
#include "plugins/cni/bridge/commands.h"
#include "plugins/cni/bridge/host_local/host_local.h"
#include "plugins/cni/bridge/net_conf.h"
#include "plugins/cni/bridge/netns_thread.h"
#include "plugins/cni/bridge/result.h"

#include <algorithm>

namespace hostlet::bridge {
namespace {

[[noreturn]] void Mismatch(const std::string& message) {
  throw CniError(kCniPluginFailure, "CHECK: " + message);
}

const ResultInterface* FindInterface(const Result& result, const std::string& name,
                                     const std::string& sandbox) {
  for (const auto& interface : result.interfaces) {
    if (interface.name == name && interface.sandbox == sandbox) return &interface;
  }
  return nullptr;
}

struct PodState {
  LinkInfo link;
  std::vector<IpNet> addresses;
  std::vector<RouteEntry> routes;
};

PodState ReadPod(NetlinkSocket& pod, const std::string& if_name, const std::string& where) {
  auto link = pod.FindLink(if_name);
  if (!link) Mismatch("interface " + if_name + " not found in " + where);
  return PodState{*link, ListAddresses(pod, link->index), ListRoutes(pod)};
}

void CheckPod(const Result& expected, const ResultInterface& container, int container_position,
              const PodState& pod, const std::string& where) {
  const std::string name = container.name + " in " + where;
  if (pod.link.kind != "veth") Mismatch(name + " is a " + pod.link.kind + ", not a veth");
  if (!container.mac.empty() && container.mac != pod.link.mac) {
    Mismatch(name + " has MAC " + pod.link.mac + ", expected " + container.mac);
  }
  for (const ResultIp& ip : expected.ips) {
    if (ip.interface && *ip.interface != container_position) continue;
    if (std::find(pod.addresses.begin(), pod.addresses.end(), ip.address) == pod.addresses.end()) {
      Mismatch("address " + ip.address.ToString() + " is missing from " + name);
    }
  }
  for (const ResultRoute& route : expected.routes) {
    bool found = std::any_of(pod.routes.begin(), pod.routes.end(), [&](const RouteEntry& entry) {
      return entry.destination.Network() == route.destination.Network() &&
             (!route.gateway || entry.gateway == route.gateway);
    });
    if (!found) {
      Mismatch("route to " + route.destination.ToString() +
               (route.gateway ? " via " + route.gateway->ToString() : "") + " is missing in " +
               where);
    }
  }
}

void CheckHost(const NetConf& conf, const Result& expected, const LinkInfo& pod_link) {
  NetlinkSocket host;
  auto bridge = host.FindLink(conf.bridge);
  if (!bridge || bridge->kind != "bridge") Mismatch("bridge " + conf.bridge + " not found");
  if (bridge->promiscuous() != conf.promisc_mode) {
    Mismatch("bridge " + conf.bridge + " promiscuous mode does not match the configuration");
  }
  // The host end is the host interface (no sandbox) other than the bridge.
  for (const auto& interface : expected.interfaces) {
    if (!interface.sandbox.empty() || interface.name == conf.bridge) continue;
    auto veth = host.FindLink(interface.name);
    if (!veth) Mismatch("veth " + interface.name + " not found on the host");
    if (veth->master != bridge->index) {
      Mismatch("veth " + interface.name + " is not attached to bridge " + conf.bridge);
    }
    if (veth->peer != pod_link.index || pod_link.peer != veth->index) {
      Mismatch("veth " + interface.name + " is not the peer of " + pod_link.name);
    }
    return;
  }
  Mismatch("prevResult names no host veth");
}

}  // namespace

void CheckAttachment(const CniRequest& request, ModuleThreads& threads) {
  const NetConf conf = ParseNetConf(request);
  CheckAttachmentNames(request);
  auto prev = request.config.find("prevResult");
  if (prev == request.config.end() || prev->is_null()) {
    throw CniError(kCniInvalidConfig, "CHECK: required prevResult missing");
  }
  const Result expected = ParseResult(*prev);
  std::optional<host_local::IpamConfig> ipam_config;
  if (!conf.ipam_type.empty()) {
    ipam_config = host_local::ParseIpamConfig(request.config, request.args);
  }
  const NetnsFile netns = OpenPodNetns(request);

  const ResultInterface* container = FindInterface(expected, request.if_name, request.netns);
  if (container == nullptr) {
    Mismatch("prevResult has no interface " + request.if_name + " in " + request.netns);
  }
  if (ipam_config) {
    host_local::HostLocal(std::move(*ipam_config))
        .CheckHeld({request.container_id, request.if_name});
  }
  NetlinkSocket pod_socket(std::move(threads.sockets.Open(netns).get().front()));
  const PodState pod = ReadPod(pod_socket, request.if_name, request.netns);
  CheckPod(expected, *container, static_cast<int>(container - expected.interfaces.data()), pod,
           request.netns);
  CheckHost(conf, expected, pod.link);
}

}  // namespace hostlet::bridge
