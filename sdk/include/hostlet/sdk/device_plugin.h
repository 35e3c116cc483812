// Base class of device plugins (kubelet device plugin API v1beta1): override the DevicePlugin
// RPCs you support, e.g. `grpc::Status Allocate(const v1beta1::AllocateRequest&,
// v1beta1::AllocateResponse*) override;`.
#pragma once

#include <hostlet/sdk/plugin.h>

#include "k8s/deviceplugin/v1beta1/api.hostlet.h"

namespace hostlet {

class DevicePlugin : public PluginInstance, public v1beta1::DevicePluginBase {
 public:
  static constexpr hostlet_kind kKind = HOSTLET_KIND_DEVICE;
  DevicePlugin() { Serve(static_cast<v1beta1::DevicePluginBase&>(*this)); }
};

}  // namespace hostlet
