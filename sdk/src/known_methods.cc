// The services hostlet's bridges can carry. A new service is one line here.
#include <hostlet/sdk/grpc_bridge.h>

#include <array>
#include <unordered_map>

#include "csi/v1/csi.hostlet.h"
#include "k8s/cri/runtime/v1/api.hostlet.h"
#include "k8s/deviceplugin/v1beta1/api.hostlet.h"
#include "k8s/pluginregistration/v1/api.hostlet.h"
#include "k8s/podresources/v1/api.hostlet.h"

namespace hostlet {

const Method* FindKnownMethod(std::string_view path) {
  static const auto* const index = [] {
    const std::array tables = {
        runtime::v1::RuntimeServiceBase::MethodTable(),
        runtime::v1::ImageServiceBase::MethodTable(),
        csi::v1::IdentityBase::MethodTable(),
        csi::v1::ControllerBase::MethodTable(),
        csi::v1::NodeBase::MethodTable(),
        csi::v1::GroupControllerBase::MethodTable(),
        csi::v1::SnapshotMetadataBase::MethodTable(),
        v1beta1::DevicePluginBase::MethodTable(),
        v1beta1::RegistrationBase::MethodTable(),
        v1::PodResourcesListerBase::MethodTable(),
        pluginregistration::RegistrationBase::MethodTable(),
    };
    auto* methods = new std::unordered_map<std::string_view, const Method*>();
    for (const auto& table : tables) {
      for (const Method& method : table) (*methods)[method.path] = &method;
    }
    return methods;
  }();
  auto found = index->find(path);
  return found == index->end() ? nullptr : found->second;
}

}  // namespace hostlet
