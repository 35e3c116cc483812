// A network plugin that reports a fixed address from its configuration ("address") without
// touching the system: the smallest module that speaks the CNI result format.
#include <hostlet/sdk/network_plugin.h>

class StaticIp final : public hostlet::NetworkPlugin {
 public:
  explicit StaticIp(const hostlet::PluginContext&) {}

  nlohmann::json Add(const hostlet::CniRequest& request) override {
    if (!request.config.contains("address")) {
      throw hostlet::CniError(hostlet::kCniInvalidConfig, "configuration has no \"address\"");
    }
    return {{"cniVersion", request.cni_version()},
            {"interfaces", {{{"name", request.if_name}, {"sandbox", request.netns}}}},
            {"ips", {{{"address", request.config["address"]}, {"interface", 0}}}}};
  }
  void Del(const hostlet::CniRequest&) override {}
  void Check(const hostlet::CniRequest&) override {}
  void Status(const hostlet::CniRequest&) override {}
};

HOSTLET_PLUGIN(StaticIp, "static-ip", "0.1.0", "Reports a configured address")
