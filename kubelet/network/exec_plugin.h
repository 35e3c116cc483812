// A CNI plugin executable, run as the spec's execution protocol prescribes: the CNI_*
// parameters in a clean environment, the configuration on stdin, the result or the error JSON
// on stdout, under a deadline and an output limit.
#pragma once

#include "kubelet/network/plugin.h"
#include "kubelet/network/process.h"

#include <filesystem>

namespace hostlet::network {

class ExecPlugin final : public Plugin {
 public:
  ExecPlugin(std::string type, std::filesystem::path binary, ProcessLimits limits)
      : type_(std::move(type)), binary_(std::move(binary)), limits_(limits) {}

  std::string Describe() const override;
  std::string Identity() const override;
  std::string Invoke(const PluginCall& call) override;

 private:
  std::string type_;
  std::filesystem::path binary_;
  ProcessLimits limits_;
};

}  // namespace hostlet::network
