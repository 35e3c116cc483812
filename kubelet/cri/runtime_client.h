// The agent's one view of a container runtime: CRI RuntimeService and ImageService, whether
// the runtime is an in-process module or a remote endpoint such as containerd's socket.
#pragma once

#include <hostlet/sdk/service.h>

#include <functional>
#include <memory>
#include <string>

#include "k8s/cri/runtime/v1/api.hostlet.h"

namespace hostlet::cri {

struct RuntimeClient {
  explicit RuntimeClient(std::shared_ptr<Channel> transport)
      : channel(std::move(transport)), runtime(channel), images(channel) {}
  std::shared_ptr<Channel> channel;
  runtime::v1::RuntimeServiceProxy runtime;
  runtime::v1::ImageServiceProxy images;
};

// Finds the instance of a loaded runtime module by plugin name, or nullptr.
using ModuleLookup = std::function<std::shared_ptr<Channel>(const std::string& name)>;

// `endpoint` is "unix:///path/to.sock" (or an absolute socket path) for a remote CRI runtime,
// or "module:<name>" for a loaded runtime module. Throws std::invalid_argument naming the
// endpoint when it is neither, or names a module that is not loaded.
std::unique_ptr<RuntimeClient> ConnectRuntime(const std::string& endpoint, const ModuleLookup& modules);

}  // namespace hostlet::cri
