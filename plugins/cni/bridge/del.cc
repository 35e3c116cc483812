// DEL: idempotent, and complete even when the pod's namespace is already gone: whatever of the
// attachment is still there (container interface, host veth, reservations, masquerading) is
// removed, and nothing missing is an error.
#include "plugins/cni/bridge/commands.h"
#include "plugins/cni/bridge/host_links.h"
#include "plugins/cni/bridge/host_local/host_local.h"
#include "plugins/cni/bridge/ip_masq.h"
#include "plugins/cni/bridge/names.h"
#include "plugins/cni/bridge/net_conf.h"
#include "plugins/cni/bridge/netns_thread.h"

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

void DeleteAttachment(const CniRequest& request) {
  const NetConf conf = ParseNetConf(request);
  CheckAttachmentNames(request);
  std::optional<host_local::IpamConfig> ipam_config;
  if (!conf.ipam_type.empty()) {
    ipam_config = host_local::ParseIpamConfig(request.config, request.args);
  }

  if (auto netns = PodNetnsIfPresent(request.netns)) {
    // Deleting one end of a veth pair deletes both.
    RunInNetns(*netns, [&] {
      NetlinkSocket pod;
      DeleteLinkIfPresent(pod, request.if_name);
    });
  }
  {
    NetlinkSocket host;
    DeleteLinkIfPresent(host, HostVethName(request.container_id, request.if_name));
  }
  if (ipam_config) {
    host_local::HostLocal(std::move(*ipam_config)).Release({request.container_id, request.if_name});
  }
  if (conf.ip_masq) TearDownIpMasq(conf.name, request.container_id);
}

}  // namespace hostlet::bridge
