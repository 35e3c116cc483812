// The module side of the C ABI in C++: a plugin is a class derived from one of the kind classes
// (hostlet::RuntimePlugin, StoragePlugin, DevicePlugin, NetworkPlugin), constructible from a
// hostlet::PluginContext, and published with HOSTLET_PLUGIN(Class, "name", "version",
// "description") in exactly one source file of the module.
#pragma once

#include <hostlet/abi.h>
#include <hostlet/sdk/service.h>

#include <grpcpp/support/status.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace hostlet {

// Thrown from a plugin constructor or method to fail with a given status; any other exception
// that escapes becomes INTERNAL (std::invalid_argument becomes INVALID_ARGUMENT).
class StatusError : public std::runtime_error {
 public:
  StatusError(grpc::StatusCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  grpc::StatusCode code() const { return code_; }

 private:
  grpc::StatusCode code_;
};

// What the host offers a plugin: logging and optional services. Thread-safe; valid for the
// life of the instance it was given to.
class Host {
 public:
  explicit Host(const hostlet_host* raw) : raw_(raw) {}
  void Log(hostlet_log_level level, const std::string& message) const;
  void Info(const std::string& message) const { Log(HOSTLET_LOG_INFO, message); }
  void Warning(const std::string& message) const { Log(HOSTLET_LOG_WARNING, message); }
  void Error(const std::string& message) const { Log(HOSTLET_LOG_ERROR, message); }
  // A host service by id (see abi.h), or nullptr when the host does not offer it.
  const void* Service(const char* id) const;

 private:
  const hostlet_host* raw_;
};

// Passed to a plugin's constructor.
struct PluginContext {
  nlohmann::json config;  // the instance's JSON configuration ({} when none was given)
  Host host;
};

// An instance as the ABI sees it: calls dispatched by gRPC path to the services it serves.
class PluginInstance {
 public:
  virtual ~PluginInstance() = default;
  PluginInstance() = default;
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  virtual grpc::Status Call(const char* method, std::string_view request, std::string* response);
  virtual grpc::Status CallStream(const char* method, std::string_view request,
                                  RawWriter& writer);

 protected:
  // Makes every method of `service` callable through this instance.
  void Serve(hostlet::Service& service);

 private:
  struct Target {
    hostlet::Service* service;
    const Method* method;
  };
  const Target* Find(const char* method) const;
  std::unordered_map<std::string_view, Target> methods_;
};

namespace detail {

using Factory = std::unique_ptr<PluginInstance> (*)(const PluginContext&);

int32_t Create(Factory factory, const char* config_json, size_t config_size,
               const hostlet_host* host, hostlet_instance** out, const hostlet_reply* error);
int32_t Call(hostlet_instance* instance, const char* method, const uint8_t* request,
             size_t request_size, const hostlet_reply* reply);
int32_t CallStream(hostlet_instance* instance, const char* method, const uint8_t* request,
                   size_t request_size, const hostlet_stream* stream, const hostlet_reply* reply);
void Destroy(hostlet_instance* instance);

template <class Plugin>
std::unique_ptr<PluginInstance> Make(const PluginContext& context) {
  return std::make_unique<Plugin>(context);
}

template <class Plugin>
constexpr hostlet_plugin_vtable kVtable = {sizeof(hostlet_plugin_vtable),
                                           [](const char* config, size_t size,
                                              const hostlet_host* host, hostlet_instance** out,
                                              const hostlet_reply* error) {
                                             return Create(&Make<Plugin>, config, size, host, out,
                                                           error);
                                           },
                                           &Call, &CallStream, &Destroy};

}  // namespace detail
}  // namespace hostlet

#define HOSTLET_DETAIL_EXPORT extern "C" __attribute__((visibility("default")))

// Publishes `Class` as this module's plugin. `name` is at most 63 bytes, `version` 31.
#define HOSTLET_PLUGIN(Class, name, version, description)                                    \
  static_assert(sizeof(name) <= 64 && sizeof(version) <= 32,                                  \
                "hostlet plugin name or version too long");                                 \
  HOSTLET_DETAIL_EXPORT __attribute__((section(HOSTLET_MANIFEST_SECTION), used))             \
  const hostlet_manifest hostlet_plugin_manifest = {                                         \
      {'H', 'O', 'S', 'T', 'L', 'E', 'T', '1'}, HOSTLET_ABI_MAJOR, HOSTLET_ABI_MINOR,         \
      static_cast<uint32_t>(Class::kKind), name, version};                                   \
  HOSTLET_DETAIL_EXPORT const hostlet_plugin_descriptor* hostlet_plugin_entry(void) {        \
    static const hostlet_plugin_descriptor descriptor = {                                    \
        HOSTLET_ABI_MAJOR,     HOSTLET_ABI_MINOR, sizeof(hostlet_plugin_descriptor),          \
        static_cast<uint32_t>(Class::kKind), name, version, description,                      \
        &::hostlet::detail::kVtable<Class>};                                                 \
    return &descriptor;                                                                      \
  }
