#include "kubelet/network/version_cache.h"

#include "kubelet/network/error.h"

#include <hostlet/abi.h>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace hostlet::network {

std::vector<std::string> VersionCache::SupportedVersions(Plugin& plugin,
                                                         const std::string& version) {
  const std::string identity = plugin.Identity();
  {
    std::lock_guard lock(mutex_);
    if (auto found = known_.find(identity); found != known_.end()) return found->second;
  }
  PluginCall call;
  call.command = HOSTLET_CNI_VERSION;
  call.config = nlohmann::json{{"cniVersion", version}}.dump();
  std::string answer;
  try {
    answer = plugin.Invoke(call);
  } catch (const Error& error) {
    throw error.WithContext("plugin " + plugin.Describe() + " failed (VERSION)");
  }
  nlohmann::json info = nlohmann::json::parse(answer, nullptr, false);
  auto versions = info.is_object() ? info.find("supportedVersions") : info.end();
  if (!info.is_object() || versions == info.end() || !versions->is_array() ||
      !std::all_of(versions->begin(), versions->end(),
                   [](const nlohmann::json& v) { return v.is_string(); })) {
    throw Error(kCniDecodeFailure,
                "plugin " + plugin.Describe() +
                    " answered VERSION without a list of supportedVersions: " + Excerpt(answer));
  }
  std::vector<std::string> supported = versions->get<std::vector<std::string>>();
  std::lock_guard lock(mutex_);
  known_[identity] = supported;
  return supported;
}

void VersionCache::Require(Plugin& plugin, const std::string& version) {
  std::vector<std::string> supported = SupportedVersions(plugin, version);
  if (std::find(supported.begin(), supported.end(), version) != supported.end()) return;
  std::string list;
  for (const auto& entry : supported) list += (list.empty() ? "" : ", ") + entry;
  throw Error(kCniIncompatibleVersion, "plugin " + plugin.Describe() +
                                           " does not support CNI version " + version +
                                           " of the configuration (it supports " + list + ")");
}

}  // namespace hostlet::network
