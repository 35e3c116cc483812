// VERSION negotiation: each plugin is asked once which spec versions it supports (again when it
// changes, see Plugin::Identity), and a configuration version it does not support is refused
// before anything runs.
#pragma once

#include "kubelet/network/plugin.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace hostlet::network {

class VersionCache {
 public:
  // Throws Error: kCniIncompatibleVersion when `plugin` does not support `version`, or why
  // its VERSION answer could not be had.
  void Require(Plugin& plugin, const std::string& version);

  std::vector<std::string> SupportedVersions(Plugin& plugin, const std::string& version);

 private:
  std::mutex mutex_;
  std::map<std::string, std::vector<std::string>> known_;  // by Plugin::Identity()
};

}  // namespace hostlet::network
