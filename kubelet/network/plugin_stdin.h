// The configuration one plugin of a chain reads on stdin, built as libcni builds it: the
// plugin's own object from the list, with the list's name and cniVersion, the previous result
// as "prevResult", and in "runtimeConfig" only the capability arguments the plugin declares.
#pragma once

#include "kubelet/network/config.h"

#include <nlohmann/json.hpp>

#include <string>

namespace hostlet::network {

std::string PluginStdin(const NetworkConfigList& list, const PluginConfig& plugin,
                        const nlohmann::json* prev_result, const nlohmann::json& capability_args);

// For STATUS and GC, which concern the network rather than one container: the plugin's object
// with the list's name and cniVersion, plus `extra` keys.
std::string NetworkStdin(const NetworkConfigList& list, const PluginConfig& plugin,
                         const nlohmann::json& extra = nlohmann::json::object());

}  // namespace hostlet::network
