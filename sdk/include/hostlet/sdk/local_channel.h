// A plugin object in this process as a Channel, without the C ABI in between: how tests and
// tools compare the ABI and gRPC paths against the plugin itself.
#pragma once

#include <hostlet/sdk/plugin.h>

#include <memory>

namespace hostlet {

class LocalChannel final : public Channel {
 public:
  explicit LocalChannel(std::shared_ptr<PluginInstance> plugin) : plugin_(std::move(plugin)) {}
  grpc::Status Unary(const char* method, std::string_view request, std::string* response) override {
    return plugin_->Call(method, request, response);
  }
  grpc::Status ServerStream(const char* method, std::string_view request,
                            RawWriter& writer) override {
    return plugin_->CallStream(method, request, writer);
  }

 private:
  std::shared_ptr<PluginInstance> plugin_;
};

}  // namespace hostlet
