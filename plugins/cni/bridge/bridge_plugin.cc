// The "bridge" network module: a drop-in for the reference bridge + host-local CNI plugins,
// in process. Its configuration is the network configuration each call carries, so an instance
// holds no state and calls may run concurrently; the address store's lock orders them.
#include "plugins/cni/bridge/commands.h"
#include "plugins/cni/bridge/net_conf.h"

#include <hostlet/sdk/network_plugin.h>

namespace hostlet::bridge {

class BridgePlugin final : public NetworkPlugin {
 public:
  explicit BridgePlugin(const PluginContext&) {}

  nlohmann::json Add(const CniRequest& request) override { return AddAttachment(request); }
  void Del(const CniRequest& request) override { DeleteAttachment(request); }
  void Check(const CniRequest& request) override { CheckAttachment(request); }
  void Status(const CniRequest& request) override { CheckStatus(request); }
  void Gc(const CniRequest& request) override { CollectGarbage(request); }
  std::vector<std::string> SupportedVersions() const override {
    return bridge::SupportedVersions();
  }
};

}  // namespace hostlet::bridge

HOSTLET_PLUGIN(hostlet::bridge::BridgePlugin, "bridge", "0.1.0",
               "Linux bridge networking with host-local IPAM (libnl)")
