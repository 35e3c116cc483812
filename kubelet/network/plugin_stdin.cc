#include "kubelet/network/plugin_stdin.h"

namespace hostlet::network {

std::string PluginStdin(const NetworkConfigList& list, const PluginConfig& plugin,
                        const nlohmann::json* prev_result, const nlohmann::json& capability_args) {
  nlohmann::json config = plugin.raw;
  config["name"] = list.name;
  config["cniVersion"] = list.cni_version;
  if (prev_result != nullptr && !prev_result->is_null()) config["prevResult"] = *prev_result;
  nlohmann::json runtime = nlohmann::json::object();
  for (const std::string& capability : plugin.capabilities) {
    if (auto found = capability_args.find(capability); found != capability_args.end()) {
      runtime[capability] = *found;
    }
  }
  // As libcni: what the runtime passes replaces a runtimeConfig written in the file.
  if (!runtime.empty()) config["runtimeConfig"] = runtime;
  return config.dump();
}

std::string NetworkStdin(const NetworkConfigList& list, const PluginConfig& plugin,
                         const nlohmann::json& extra) {
  nlohmann::json config = plugin.raw;
  config["name"] = list.name;
  config["cniVersion"] = list.cni_version;
  for (const auto& [key, value] : extra.items()) config[key] = value;
  return config.dump();
}

}  // namespace hostlet::network
