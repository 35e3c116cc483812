// A module instance reached through the C ABI, as a hostlet::Channel.
#pragma once

#include <hostlet/abi.h>
#include <hostlet/sdk/service.h>

#include <memory>

namespace hostlet::plugins {

class Module;
struct InstanceHost;

class AbiChannel final : public hostlet::Channel {
 public:
  AbiChannel(std::shared_ptr<Module> module, std::unique_ptr<InstanceHost> host,
             const hostlet_plugin_vtable* vtable, hostlet_instance* instance);
  ~AbiChannel() override;
  AbiChannel(const AbiChannel&) = delete;
  AbiChannel& operator=(const AbiChannel&) = delete;

  grpc::Status Unary(const char* method, std::string_view request, std::string* response) override;
  grpc::Status ServerStream(const char* method, std::string_view request,
                            hostlet::RawWriter& writer) override;

 private:
  std::shared_ptr<Module> module_;  // keeps the library loaded while this instance lives
  std::unique_ptr<InstanceHost> host_;  // the instance's hostlet_host, until destroy
  const hostlet_plugin_vtable* vtable_;
  hostlet_instance* instance_;
};

}  // namespace hostlet::plugins
