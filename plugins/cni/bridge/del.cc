// DEL: idempotent, and complete even when the pod's namespace is already gone: whatever of the
// attachment is still there (container interface, host veth, reservations, masquerading) is
// removed, and nothing missing is an error.
//
// It returns once the kernel has taken the interfaces away (unlisted, names free, off the bridge),
// not once it has also finished its housekeeping after them (see link_reaper.h). Only then are
// the addresses released, so none is handed out while a pod's interface still holds it.
#include "plugins/cni/bridge/commands.h"
#include "plugins/cni/bridge/host_local/host_local.h"
#include "plugins/cni/bridge/ip_masq.h"
#include "plugins/cni/bridge/names.h"
#include "plugins/cni/bridge/net_conf.h"
#include "plugins/cni/bridge/netns_thread.h"

#include <linux/rtnetlink.h>

#include <system_error>

namespace hostlet::bridge {
namespace {

// The pod's namespace if it is still there. A path that no longer holds a namespace (the runtime
// unmounted it but left the file) counts as gone.
std::optional<NetnsFile> PodNetnsIfPresent(const std::string& path) {
  if (path.empty()) return std::nullopt;
  try {
    return NetnsFile::Open(path);
  } catch (const std::system_error&) {
    return std::nullopt;
  }
}

}  // namespace

void DeleteAttachment(const CniRequest& request, ModuleThreads& threads) {
  LinkReaper& reaper = threads.reaper;
  const NetConf conf = ParseNetConf(request);
  CheckAttachmentNames(request);
  std::optional<host_local::IpamConfig> ipam_config;
  if (!conf.ipam_type.empty()) {
    ipam_config = host_local::ParseIpamConfig(request.config, request.args);
  }
  const std::string host_name = HostVethName(request.container_id, request.if_name);

  std::optional<NetnsFile> netns = PodNetnsIfPresent(request.netns);
  HostSockets::Lease host_socket = threads.host_sockets.Take();
  NetlinkSocket& host = *host_socket;
  // Subscribed before anything is removed, so that no announcement can be missed.
  const UniqueFd host_monitor = OpenRouteSocket(RTMGRP_LINK);
  std::optional<LinkInfo> host_veth = host.FindLink(host_name);

  // The usual case, told apart from the host: the host veth's peer is the pod's interface.
  // Deleting the host end then takes both, and the pod's end, deleted in the same step, is
  // unlisted before the host end's removal is announced. No thread has to enter the pod's
  // namespace for it.
  if (netns && host_veth && host_veth->peer_nsid >= 0 &&
      host.NetnsId(netns->fd()) == host_veth->peer_nsid) {
    auto peer = host.FindLinkIn(host_veth->peer_nsid, host_veth->peer);
    if (peer && peer->name == request.if_name && peer->peer == host_veth->index &&
        reaper.Remove(OpenRouteSocket(), host_veth->index, host_name,
                      {{host_monitor.get(), host_veth->index}}) != Removal::kAbsent) {
      netns.reset();
      host_veth.reset();
    }
  }

  if (netns) {
    // Whatever else is there: the pod's interface, looked up and deleted through sockets of its
    // namespace: lookups, announcements (subscribed before anything is removed), the request.
    std::vector<UniqueFd> sockets = threads.sockets.Open(*netns, {0, RTMGRP_LINK, 0}).get();
    NetlinkSocket pod(std::move(sockets[0]));
    if (auto link = pod.FindLink(request.if_name)) {
      // Deleting one end of a veth pair deletes both: when the host veth is its peer, wait for
      // the removal of both.
      std::vector<WatchedLink> watched = {{sockets[1].get(), link->index}};
      const bool pair =
          host_veth && host_veth->peer == link->index && link->peer == host_veth->index;
      if (pair) watched.push_back({host_monitor.get(), host_veth->index});
      Removal removal = reaper.Remove(std::move(sockets[2]), link->index, request.if_name, watched);
      if (pair && removal == Removal::kAnnounced) {
        host_veth.reset();
      } else if (host_veth) {
        host_veth = host.FindLink(host_name);  // whatever became of it meanwhile
      }
    }
  }
  if (host_veth) {
    reaper.Remove(OpenRouteSocket(), host_veth->index, host_name,
                  {{host_monitor.get(), host_veth->index}});
  }
  host_socket.Return();

  if (ipam_config) {
    host_local::HostLocal(std::move(*ipam_config)).Release({request.container_id, request.if_name});
  }
  if (conf.ip_masq) TearDownIpMasq(conf.name, request.container_id);
}

}  // namespace hostlet::bridge
