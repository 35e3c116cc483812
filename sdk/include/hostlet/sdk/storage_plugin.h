// Base class of storage modules (CSI csi.v1): override the Identity, Controller, Node,
// GroupController and SnapshotMetadata RPCs you support.
#pragma once

#include <hostlet/sdk/plugin.h>

#include "csi/v1/csi.hostlet.h"

namespace hostlet {

class StoragePlugin : public PluginInstance,
                      public csi::v1::IdentityBase,
                      public csi::v1::ControllerBase,
                      public csi::v1::NodeBase,
                      public csi::v1::GroupControllerBase,
                      public csi::v1::SnapshotMetadataBase {
 public:
  static constexpr hostlet_kind kKind = HOSTLET_KIND_STORAGE;
  StoragePlugin() {
    Serve(static_cast<csi::v1::IdentityBase&>(*this));
    Serve(static_cast<csi::v1::ControllerBase&>(*this));
    Serve(static_cast<csi::v1::NodeBase&>(*this));
    Serve(static_cast<csi::v1::GroupControllerBase&>(*this));
    Serve(static_cast<csi::v1::SnapshotMetadataBase&>(*this));
  }
};

}  // namespace hostlet
