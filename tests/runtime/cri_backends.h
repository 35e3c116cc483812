// The CRI endpoints the shared CRI tests run against, each a RuntimeService and ImageService
// behind hostlet::Channel: the OCI runtime module in process (C ABI), the same module served
// on a unix socket (gRPC bridge), and Debian's containerd with its CRI plugin, started
// privately for the test.
#pragma once

#include "kubelet/cri/runtime_client.h"
#include "kubelet/plugins/loader.h"
#include "tests/runtime/registry_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/fixtures.h"

#include <hostlet/sdk/grpc_bridge.h>

#include <memory>
#include <string>

namespace hostlet::testing {

class CriBackend {
 public:
  virtual ~CriBackend() = default;
  virtual std::shared_ptr<Channel> channel() = 0;
  virtual std::string name() const = 0;
};

// `registry` is where images are pulled from (and, for containerd, its pause image).
std::unique_ptr<CriBackend> MakeCriBackend(const std::string& kind, const LocalRegistry& registry,
                                           const std::filesystem::path& work);

}  // namespace hostlet::testing
