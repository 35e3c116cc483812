// A device plugin whose methods fail in the ways a buggy vendor module does: Allocate throws,
// PreStartContainer throws something that is not a std::exception, and a config with
// "refuse": true makes the constructor throw.
#include <hostlet/sdk/device_plugin.h>

class ThrowingDevice final : public hostlet::DevicePlugin {
 public:
  explicit ThrowingDevice(const hostlet::PluginContext& context) {
    if (context.config.value("refuse", false)) {
      throw hostlet::StatusError(grpc::StatusCode::FAILED_PRECONDITION, "no devices on this node");
    }
  }
  grpc::Status Allocate(const v1beta1::AllocateRequest&, v1beta1::AllocateResponse*) override {
    throw std::runtime_error("allocator exploded");
  }
  grpc::Status PreStartContainer(const v1beta1::PreStartContainerRequest&,
                                 v1beta1::PreStartContainerResponse*) override {
    throw 42;
  }
};

HOSTLET_PLUGIN(ThrowingDevice, "throwing-device", "0.0.1", "fails on purpose")
