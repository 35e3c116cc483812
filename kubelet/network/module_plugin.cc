#include "kubelet/network/module_plugin.h"

#include "kubelet/network/error.h"

#include <hostlet/abi.h>

#include <nlohmann/json.hpp>

#include <cstdio>

namespace hostlet::network {

std::string ModulePlugin::Identity() const {
  char address[32];
  std::snprintf(address, sizeof address, "%p", static_cast<const void*>(channel_.get()));
  return "module:" + type_ + "@" + address;
}

std::string ModulePlugin::Invoke(const PluginCall& call) {
  std::string request = "{}";
  if (call.command != HOSTLET_CNI_VERSION) {
    nlohmann::json config = nlohmann::json::parse(call.config, nullptr, false);
    if (!config.is_object()) {
      throw Error(kCniDecodeFailure, "configuration for " + Describe() + " is not a JSON object");
    }
    request = nlohmann::json{
        {"containerID", call.container_id},
        {"netns", call.netns},
        {"ifName", call.if_name},
        {"args", call.args},
        {"path", call.path},
        {"config",
         config}}.dump();
  }
  std::string response;
  grpc::Status status = channel_->Unary(call.command.c_str(), request, &response);
  if (status.ok()) return response;
  // Network modules report the spec's error JSON as the status message.
  if (auto error = ParseErrorJson(status.error_message())) throw *error;
  throw Error(kCniPluginFailure, "plugin " + Describe() + " " + call.command +
                                     " failed with status " + std::to_string(status.error_code()) +
                                     ": " + Excerpt(status.error_message()));
}

}  // namespace hostlet::network
