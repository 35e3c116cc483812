#include "kubelet/network/plugin_resolver.h"

#include "kubelet/network/error.h"
#include "kubelet/network/exec_plugin.h"
#include "kubelet/network/module_plugin.h"

#include <sys/stat.h>
#include <unistd.h>

namespace hostlet::network {

std::shared_ptr<Plugin> PluginResolver::Resolve(const std::string& type) const {
  if (modules_) {
    if (auto channel = modules_(type)) return std::make_shared<ModulePlugin>(type, channel);
  }
  for (const auto& dir : bin_dirs_) {
    const std::filesystem::path candidate = dir / type;
    struct stat info {};
    if (stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return std::make_shared<ExecPlugin>(type, std::filesystem::absolute(candidate), limits_);
    }
  }
  std::string where = modules_ ? "no network module of that name, no executable in [" : "[";
  for (size_t i = 0; i < bin_dirs_.size(); ++i) where += (i ? " " : "") + bin_dirs_[i].string();
  throw Error(kCniNotAvailable, "failed to find plugin \"" + type + "\": " + where + "]");
}

std::string PluginResolver::CniPath() const {
  std::string path;
  for (const auto& dir : bin_dirs_) path += (path.empty() ? "" : ":") + dir.string();
  return path;
}

}  // namespace hostlet::network
