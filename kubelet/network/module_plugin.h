// A network module loaded in process (kubelet/plugins), reached through its Channel with the
// envelope of abi.h: {"containerID","netns","ifName","args","path","config"}.
#pragma once

#include "kubelet/network/plugin.h"

#include <hostlet/sdk/service.h>

#include <memory>

namespace hostlet::network {

class ModulePlugin final : public Plugin {
 public:
  ModulePlugin(std::string type, std::shared_ptr<hostlet::Channel> channel)
      : type_(std::move(type)), channel_(std::move(channel)) {}

  std::string Describe() const override { return type_ + " (in-process module)"; }
  std::string Identity() const override;
  std::string Invoke(const PluginCall& call) override;

 private:
  std::string type_;
  std::shared_ptr<hostlet::Channel> channel_;
};

}  // namespace hostlet::network
