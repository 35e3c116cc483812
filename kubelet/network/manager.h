// The agent's CNI manager: attaches containers to the node's network as the configuration
// directory describes it, with plugins that are network modules in process or CNI executables,
// and keeps libcni's result cache so that DEL, CHECK and GC work across restarts and across
// configuration changes. New ADDs use the directory's current configuration; an existing
// attachment is checked and torn down with the configuration it was set up with.
//
// Thread-safe. As the spec requires of runtimes, callers do not run two operations on the same
// attachment at once.
#pragma once

#include "kubelet/network/attachment.h"
#include "kubelet/network/config_directory.h"
#include "kubelet/network/plugin_resolver.h"
#include "kubelet/network/process.h"
#include "kubelet/network/result_cache.h"
#include "kubelet/network/version_cache.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace hostlet::network {

struct ManagerOptions {
  std::filesystem::path config_dir = "/etc/cni/net.d";
  std::vector<std::filesystem::path> bin_dirs = {"/opt/cni/bin"};
  std::filesystem::path cache_dir = "/var/lib/cni";  // results go to <cache_dir>/results
  ModuleLookup modules;                              // may be empty: executables only
  ProcessLimits exec;                                // per call of a plugin executable
};

class NetworkManager {
 public:
  explicit NetworkManager(ManagerOptions options);

  // Every operation throws Error with the spec's code: the plugin's own error, with the plugin
  // named, or the manager's (invalid configuration, unsupported version, plugin not found...).

  // Attaches with the current configuration and caches the result; returns it.
  nlohmann::json Add(const Attachment& attachment);

  // Detaches with the cached configuration, CNI_ARGS and capability arguments, and the cached
  // result as prevResult. Without a cached result, the current configuration is asked to clean
  // up what it can; without either, there is nothing to do.
  void Del(const Attachment& attachment);

  // Checks an attachment against its cached result, with the configuration it was made with.
  // Nothing is run when that configuration sets disableCheck.
  void Check(const Attachment& attachment);

  // Whether the network can take ADDs: the current configuration is valid, each of its plugins
  // is found and supports its version, and (1.1.0 configurations) answers STATUS without error.
  void Status();

  // Garbage collection as libcni does it: every cached attachment of the current network that
  // is not in `valid` is DELeted, then (1.1.0) each plugin gets GC with the valid attachments.
  // Nothing is done when the configuration sets disableGC.
  void Gc(const std::vector<AttachmentKey>& valid);

  // The configuration new ADDs get; throws like Add when there is none or it is invalid.
  std::shared_ptr<const NetworkConfigList> CurrentConfig() { return configs_.Current(); }

  const ResultCache& cache() const { return cache_; }

 private:
  void DelCached(const CachedAttachment& cached, const Attachment& attachment);

  ConfigDirectory configs_;
  ResultCache cache_;
  PluginResolver resolver_;
  VersionCache versions_;
};

}  // namespace hostlet::network
