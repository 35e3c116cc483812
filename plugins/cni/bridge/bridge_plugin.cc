// The "bridge" network module: a drop-in for the reference bridge + host-local CNI plugins,
// in process. Its configuration is the network configuration each call carries, so calls may run
// concurrently; the address store's lock orders them. What an instance holds is threads: the one
// that opens sockets in pods' namespaces, the one ADD reserves addresses on, and those waiting
// for the kernel to answer deletions DEL has already seen done, which destroying the instance
// waits for.
#include "plugins/cni/bridge/commands.h"
#include "plugins/cni/bridge/net_conf.h"

#include <hostlet/sdk/network_plugin.h>

namespace hostlet::bridge {

class BridgePlugin final : public NetworkPlugin {
 public:
  explicit BridgePlugin(const PluginContext&) {}

  nlohmann::json Add(const CniRequest& request) override {
    return AddAttachment(request, threads_);
  }
  void Del(const CniRequest& request) override { DeleteAttachment(request, threads_); }
  void Check(const CniRequest& request) override { CheckAttachment(request, threads_); }
  void Status(const CniRequest& request) override { CheckStatus(request); }
  void Gc(const CniRequest& request) override { CollectGarbage(request); }
  std::vector<std::string> SupportedVersions() const override {
    return bridge::SupportedVersions();
  }

 private:
  ModuleThreads threads_;
};

}  // namespace hostlet::bridge

HOSTLET_PLUGIN(hostlet::bridge::BridgePlugin, "bridge", "0.1.0",
               "Linux bridge networking with host-local IPAM (libnl)")
