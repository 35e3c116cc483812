// A network configuration list with its plugins resolved, run in the order the spec prescribes.
// Every plugin is found and has agreed to the list's CNI version before any of them runs, so a
// refusal leaves nothing behind.
#pragma once

#include "kubelet/network/attachment.h"
#include "kubelet/network/config.h"
#include "kubelet/network/plugin.h"
#include "kubelet/network/plugin_resolver.h"
#include "kubelet/network/version_cache.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <vector>

namespace hostlet::network {

class Chain {
 public:
  // Throws Error when a plugin is not found (kCniNotAvailable) or does not support the list's
  // version (kCniIncompatibleVersion).
  Chain(std::shared_ptr<const NetworkConfigList> list, const PluginResolver& resolver,
        VersionCache& versions);

  const NetworkConfigList& list() const { return *list_; }

  // ADD through the chain in order, each plugin given the previous result as prevResult;
  // returns the last result, validated and in the list's version. When a plugin fails, the
  // plugins that ran are DELeted again, in reverse, before the failure is thrown.
  nlohmann::json Add(const Attachment& attachment);

  // DEL in reverse order, with the ADD result as prevResult when there is one. Every plugin is
  // asked even after one fails; the first failure is thrown.
  void Del(const Attachment& attachment, const nlohmann::json* prev_result);

  // CHECK in order against the ADD result; stops at the first failure.
  void Check(const Attachment& attachment, const nlohmann::json& prev_result);

  // STATUS of each plugin in order; stops at the first failure (1.1.0 lists only).
  void Status();

  // GC of each plugin with the still valid attachments (1.1.0 lists only).
  void Gc(const std::vector<AttachmentKey>& valid);

 private:
  PluginCall CallFor(const char* command, const Attachment& attachment) const;
  // Runs `call` on plugin `index`, its failure naming the plugin and the command.
  std::string Run(size_t index, const PluginCall& call);

  std::shared_ptr<const NetworkConfigList> list_;
  std::vector<std::shared_ptr<Plugin>> plugins_;
  std::string cni_path_;
};

}  // namespace hostlet::network
