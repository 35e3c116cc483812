#include "kubelet/cri/runtime_client.h"

#include <hostlet/sdk/grpc_bridge.h>

#include <stdexcept>

namespace hostlet::cri {

std::unique_ptr<RuntimeClient> ConnectRuntime(const std::string& endpoint, const ModuleLookup& modules) {
  if (endpoint.starts_with("module:")) {
    std::string name = endpoint.substr(7);
    std::shared_ptr<Channel> instance = modules ? modules(name) : nullptr;
    if (instance == nullptr) {
      throw std::invalid_argument("runtime endpoint \"" + endpoint + "\": no runtime module named \"" + name +
                                  "\" is loaded");
    }
    return std::make_unique<RuntimeClient>(std::move(instance));
  }
  if (endpoint.starts_with("unix://") || endpoint.starts_with("/")) {
    // Runtime calls such as image pulls can take minutes; the caller bounds them.
    return std::make_unique<RuntimeClient>(GrpcChannel::Connect(endpoint));
  }
  throw std::invalid_argument("runtime endpoint \"" + endpoint +
                              "\" is neither unix:///path nor module:<name>");
}

}  // namespace hostlet::cri
