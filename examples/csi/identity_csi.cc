// A CSI node plugin that names itself and its node: the Identity and Node calls a kubelet makes
// when a driver registers.
#include <hostlet/sdk/storage_plugin.h>

class IdentityCsi final : public hostlet::StoragePlugin {
 public:
  explicit IdentityCsi(const hostlet::PluginContext& context)
      : node_id_(context.config.value("nodeID", std::string("node-1"))) {}

  grpc::Status GetPluginInfo(const csi::v1::GetPluginInfoRequest&,
                             csi::v1::GetPluginInfoResponse* response) override {
    response->set_name("identity.csi.example.com");
    response->set_vendor_version("0.1.0");
    return grpc::Status::OK;
  }

  grpc::Status Probe(const csi::v1::ProbeRequest&, csi::v1::ProbeResponse* response) override {
    response->mutable_ready()->set_value(true);
    return grpc::Status::OK;
  }

  grpc::Status NodeGetInfo(const csi::v1::NodeGetInfoRequest&,
                           csi::v1::NodeGetInfoResponse* response) override {
    response->set_node_id(node_id_);
    return grpc::Status::OK;
  }

 private:
  std::string node_id_;
};

HOSTLET_PLUGIN(IdentityCsi, "identity-csi", "0.1.0", "CSI identity and node info")
