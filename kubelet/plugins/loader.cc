#include "kubelet/plugins/loader.h"

#include "kubelet/plugins/abi_channel.h"

#include <iostream>
#include <mutex>

namespace hostlet::plugins {
namespace {

std::mutex log_mutex;
LogSink log_sink;

const char* LevelName(hostlet_log_level level) {
  switch (level) {
    case HOSTLET_LOG_DEBUG: return "debug";
    case HOSTLET_LOG_INFO: return "info";
    case HOSTLET_LOG_WARNING: return "warning";
    default: return "error";
  }
}

void ModuleLog(void* ctx, hostlet_log_level level, const char* message) {
  const Module* module = static_cast<const InstanceHost*>(ctx)->module;
  std::string text = message != nullptr ? message : "";
  std::lock_guard lock(log_mutex);
  if (log_sink) {
    log_sink(module->name(), level, text);
  } else {
    std::cerr << "plugin " << module->name() << " [" << LevelName(level) << "] " << text << "\n";
  }
}

const void* FindService(void* ctx, const char* id) {
  const auto* host = static_cast<const InstanceHost*>(ctx);
  return host->services != nullptr && id != nullptr ? host->services->Find(id) : nullptr;
}

std::string AbiText(uint32_t major, uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

bool ValidKind(uint32_t kind) { return kind >= HOSTLET_KIND_RUNTIME && kind <= HOSTLET_KIND_DEVICE; }

}  // namespace

void SetLogSink(LogSink sink) {
  std::lock_guard lock(log_mutex);
  log_sink = std::move(sink);
}

std::string Module::Describe() const {
  return "plugin '" + name() + "' (" + KindName(kind()) + " " + version() + ", ABI " +
         AbiText(descriptor_->abi_major, descriptor_->abi_minor) + ", " + file_.string() + ")";
}

std::shared_ptr<Module> Load(const std::filesystem::path& requested,
                             std::optional<hostlet_kind> expected_kind) {
  const std::filesystem::path file = std::filesystem::absolute(requested);
  const std::string where = file.string() + ": ";
  // Everything that can be known without running module code is checked first.
  ModuleManifest manifest = ReadManifest(file);
  if (manifest.abi_major != HOSTLET_ABI_MAJOR) {
    throw ModuleError(where + "plugin '" + manifest.name + "' was built for hostlet plugin ABI " +
                      AbiText(manifest.abi_major, manifest.abi_minor) + "; this host speaks ABI " +
                      AbiText(HOSTLET_ABI_MAJOR, HOSTLET_ABI_MINOR) +
                      " and loads only modules of the same major version");
  }
  if (!ValidKind(manifest.kind)) {
    throw ModuleError(where + "plugin '" + manifest.name + "' declares unknown kind " +
                      std::to_string(manifest.kind));
  }
  if (expected_kind && manifest.kind != *expected_kind) {
    throw ModuleError(where + "a " + KindName(manifest.kind) + " plugin ('" + manifest.name +
                      "'); expected a " + KindName(*expected_kind) + " plugin");
  }

  std::shared_ptr<Module> module(new Module());
  module->file_ = file;
  try {
    module->library_.load(boost::dll::fs::path(file.string()),
                          boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now);
  } catch (const std::exception& error) {
    throw ModuleError(where + "could not be loaded: " + error.what());
  }
  if (!module->library_.has(HOSTLET_ENTRY_SYMBOL)) {
    throw ModuleError(where + "has a hostlet manifest but no '" HOSTLET_ENTRY_SYMBOL
                              "' symbol; expected a module built with HOSTLET_PLUGIN");
  }
  auto entry = module->library_.get<const hostlet_plugin_descriptor*()>(HOSTLET_ENTRY_SYMBOL);
  const hostlet_plugin_descriptor* descriptor = entry();
  if (descriptor == nullptr) throw ModuleError(where + "its entry returned no descriptor");
  if (descriptor->abi_major != HOSTLET_ABI_MAJOR) {
    throw ModuleError(where + "its descriptor is for hostlet plugin ABI " +
                      AbiText(descriptor->abi_major, descriptor->abi_minor) +
                      "; this host speaks ABI " + AbiText(HOSTLET_ABI_MAJOR, HOSTLET_ABI_MINOR));
  }
  if (descriptor->struct_size < sizeof(hostlet_plugin_descriptor)) {
    throw ModuleError(where + "its descriptor is " + std::to_string(descriptor->struct_size) +
                      " bytes; ABI " + AbiText(HOSTLET_ABI_MAJOR, HOSTLET_ABI_MINOR) +
                      " needs at least " + std::to_string(sizeof(hostlet_plugin_descriptor)));
  }
  if (descriptor->kind != manifest.kind) {
    throw ModuleError(where + "its descriptor says kind " + KindName(descriptor->kind) +
                      " but its manifest says " + KindName(manifest.kind));
  }
  const hostlet_plugin_vtable* vtable = descriptor->vtable;
  if (descriptor->name == nullptr || descriptor->version == nullptr || vtable == nullptr ||
      vtable->struct_size < sizeof(hostlet_plugin_vtable) || vtable->create == nullptr ||
      vtable->call == nullptr || vtable->call_stream == nullptr || vtable->destroy == nullptr) {
    throw ModuleError(where + "its descriptor lacks a name, version or complete vtable");
  }
  module->descriptor_ = descriptor;
  return module;
}

std::shared_ptr<hostlet::Channel> Module::Create(const std::string& config_json,
                                                 std::shared_ptr<const HostServices> services) {
  auto host = std::make_unique<InstanceHost>();
  host->module = this;
  host->services = std::move(services);
  host->raw = {sizeof(hostlet_host), host.get(), &ModuleLog, &FindService};
  hostlet_instance* instance = nullptr;
  std::string message;
  hostlet_reply error{&message, nullptr, [](void* out, int32_t, const char* text) {
                        *static_cast<std::string*>(out) = text != nullptr ? text : "";
                      }};
  int32_t code = descriptor_->vtable->create(config_json.data(), config_json.size(), &host->raw,
                                             &instance, &error);
  if (code != 0 || instance == nullptr) {
    throw ModuleError(Describe() + " refused to create an instance (status " +
                      std::to_string(code) + "): " + (message.empty() ? "no reason given" : message));
  }
  return std::make_shared<AbiChannel>(shared_from_this(), std::move(host), descriptor_->vtable,
                                      instance);
}

}  // namespace hostlet::plugins
