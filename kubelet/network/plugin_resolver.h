// Finds the plugin for a chain element's "type": a loaded network module of that name first,
// else an executable of that name in the CNI bin dirs, searched in order.
#pragma once

#include "kubelet/network/plugin.h"
#include "kubelet/network/process.h"

#include <hostlet/sdk/service.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace hostlet::network {

// The caller's network modules by name: an instance (see Module::Create), or nullptr when no
// module has that name.
using ModuleLookup = std::function<std::shared_ptr<hostlet::Channel>(const std::string& type)>;

class PluginResolver {
 public:
  PluginResolver(ModuleLookup modules, std::vector<std::filesystem::path> bin_dirs,
                 ProcessLimits limits)
      : modules_(std::move(modules)), bin_dirs_(std::move(bin_dirs)), limits_(limits) {}

  // Throws Error kCniNotAvailable naming the type and where it was looked for.
  std::shared_ptr<Plugin> Resolve(const std::string& type) const;

  // CNI_PATH: the bin dirs joined with ':'.
  std::string CniPath() const;

 private:
  ModuleLookup modules_;
  std::vector<std::filesystem::path> bin_dirs_;
  ProcessLimits limits_;
};

}  // namespace hostlet::network
