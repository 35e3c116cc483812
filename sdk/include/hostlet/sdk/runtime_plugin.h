// Base class of container runtime modules (CRI runtime.v1): override the RuntimeService and
// ImageService RPCs you support.
#pragma once

#include <hostlet/sdk/plugin.h>

#include "k8s/cri/runtime/v1/api.hostlet.h"

namespace hostlet {

class RuntimePlugin : public PluginInstance,
                      public runtime::v1::RuntimeServiceBase,
                      public runtime::v1::ImageServiceBase {
 public:
  static constexpr hostlet_kind kKind = HOSTLET_KIND_RUNTIME;
  RuntimePlugin() {
    Serve(static_cast<runtime::v1::RuntimeServiceBase&>(*this));
    Serve(static_cast<runtime::v1::ImageServiceBase&>(*this));
  }
};

}  // namespace hostlet
