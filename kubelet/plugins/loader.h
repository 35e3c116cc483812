// Loads plugin modules with Boost.DLL and creates instances of them. Every check that can be
// made before running module code is made first (file, manifest, ABI major); then the entry's
// descriptor is checked (ABI major, struct sizes, kind) before any call into the vtable.
#pragma once

#include "kubelet/plugins/host_services.h"
#include "kubelet/plugins/module_file.h"

#include <hostlet/abi.h>
#include <hostlet/sdk/service.h>

#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace hostlet::plugins {

// A loaded module. Instances hold a shared_ptr to it, so the library stays mapped while any of
// them lives.
class Module : public std::enable_shared_from_this<Module> {
 public:
  const std::filesystem::path& file() const { return file_; }
  hostlet_kind kind() const { return static_cast<hostlet_kind>(descriptor_->kind); }
  std::string name() const { return descriptor_->name; }
  std::string version() const { return descriptor_->version; }
  std::string description() const {
    return descriptor_->description ? descriptor_->description : "";
  }
  uint32_t abi_minor() const { return descriptor_->abi_minor; }
  std::string Describe() const;  // "sample-device (device plugin 0.1.0, ABI 1.0)"

  // Creates an instance from a JSON configuration, offering it `services`; throws ModuleError
  // naming the file when the module refuses it.
  std::shared_ptr<hostlet::Channel> Create(const std::string& config_json = "{}",
                                           std::shared_ptr<const HostServices> services = nullptr);

 private:
  friend std::shared_ptr<Module> Load(const std::filesystem::path&, std::optional<hostlet_kind>);
  Module() = default;

  std::filesystem::path file_;
  boost::dll::shared_library library_;
  const hostlet_plugin_descriptor* descriptor_ = nullptr;
};

// What one instance is given as its hostlet_host: valid from create until destroy.
struct InstanceHost {
  hostlet_host raw{};
  const Module* module = nullptr;
  std::shared_ptr<const HostServices> services;
};

// Loads `file`, refusing (ModuleError) a file that is not an ELF shared library, lacks the
// manifest or the entry symbol, was built for another ABI major, or is not of `expected_kind`.
std::shared_ptr<Module> Load(const std::filesystem::path& file,
                             std::optional<hostlet_kind> expected_kind = std::nullopt);

// Where modules' log lines go; by default standard error.
using LogSink = std::function<void(const std::string& module, hostlet_log_level, const std::string&)>;
void SetLogSink(LogSink sink);

}  // namespace hostlet::plugins
