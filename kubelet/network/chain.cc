#include "kubelet/network/chain.h"

#include "kubelet/network/error.h"
#include "kubelet/network/plugin_stdin.h"
#include "kubelet/network/result.h"
#include "kubelet/network/spec_version.h"

#include <hostlet/abi.h>

#include <optional>

namespace hostlet::network {

Chain::Chain(std::shared_ptr<const NetworkConfigList> list, const PluginResolver& resolver,
             VersionCache& versions)
    : list_(std::move(list)), cni_path_(resolver.CniPath()) {
  for (const PluginConfig& config : list_->plugins) {
    try {
      auto plugin = resolver.Resolve(config.type);
      versions.Require(*plugin, list_->cni_version);
      plugins_.push_back(std::move(plugin));
    } catch (const Error& error) {
      throw error.WithContext("network \"" + list_->name + "\" (" + list_->source + ")");
    }
  }
}

PluginCall Chain::CallFor(const char* command, const Attachment& attachment) const {
  PluginCall call;
  call.command = command;
  call.container_id = attachment.container_id;
  call.netns = attachment.netns;
  call.if_name = attachment.if_name;
  call.args = FormatCniArgs(attachment.args);
  call.path = cni_path_;
  return call;
}

std::string Chain::Run(size_t index, const PluginCall& call) {
  try {
    return plugins_[index]->Invoke(call);
  } catch (const Error& error) {
    throw error.WithContext("plugin " + plugins_[index]->Describe() + " failed (" + call.command +
                            ")");
  }
}

nlohmann::json Chain::Add(const Attachment& attachment) {
  std::optional<nlohmann::json> result;
  for (size_t i = 0; i < plugins_.size(); ++i) {
    PluginCall call = CallFor(HOSTLET_CNI_ADD, attachment);
    call.config = PluginStdin(*list_, list_->plugins[i], result ? &*result : nullptr,
                              attachment.capability_args);
    try {
      std::string output = Run(i, call);
      nlohmann::json parsed = nlohmann::json::parse(output, nullptr, false);
      if (parsed.is_discarded()) {
        throw Error(kCniDecodeFailure,
                    "plugin " + plugins_[i]->Describe() +
                        " printed an ADD result that is not JSON: " + Excerpt(output));
      }
      try {
        result = NormalizeResult(parsed, list_->cni_version);
      } catch (const Error& error) {
        throw error.WithContext("plugin " + plugins_[i]->Describe() + " (ADD)");
      }
    } catch (const Error& error) {
      // Undo what the plugins so far (this one included) did, as the runtime's DEL would.
      std::string undo;
      for (size_t j = i + 1; j-- > 0;) {
        PluginCall del = CallFor(HOSTLET_CNI_DEL, attachment);
        del.config = PluginStdin(*list_, list_->plugins[j], result ? &*result : nullptr,
                                 attachment.capability_args);
        try {
          Run(j, del);
        } catch (const Error& failure) {
          undo += std::string("; undoing it failed too: ") + failure.what();
        }
      }
      throw Error(error.code(), error.what() + undo, error.details());
    }
  }
  return *result;
}

void Chain::Del(const Attachment& attachment, const nlohmann::json* prev_result) {
  std::optional<nlohmann::json> previous;
  if (prev_result != nullptr && !prev_result->is_null()) {
    try {
      previous = NormalizeResult(*prev_result, list_->cni_version);
    } catch (const Error&) {
      // A cached result that no longer reads is no reason to keep the attachment: the spec
      // has plugins clean up what they can without prevResult.
    }
  }
  std::optional<Error> first;
  std::string more;
  for (size_t i = plugins_.size(); i-- > 0;) {
    PluginCall call = CallFor(HOSTLET_CNI_DEL, attachment);
    call.config = PluginStdin(*list_, list_->plugins[i], previous ? &*previous : nullptr,
                              attachment.capability_args);
    try {
      Run(i, call);
    } catch (const Error& error) {
      if (first) {
        more += std::string("; ") + error.what();
      } else {
        first = error;
      }
    }
  }
  if (first) throw Error(first->code(), first->what() + more, first->details());
}

void Chain::Check(const Attachment& attachment, const nlohmann::json& prev_result) {
  nlohmann::json previous = NormalizeResult(prev_result, list_->cni_version);
  for (size_t i = 0; i < plugins_.size(); ++i) {
    PluginCall call = CallFor(HOSTLET_CNI_CHECK, attachment);
    call.config = PluginStdin(*list_, list_->plugins[i], &previous, attachment.capability_args);
    Run(i, call);
  }
}

void Chain::Status() {
  if (!AtLeast(list_->cni_version, "1.1.0")) return;
  for (size_t i = 0; i < plugins_.size(); ++i) {
    PluginCall call;
    call.command = HOSTLET_CNI_STATUS;
    call.path = cni_path_;
    call.config = NetworkStdin(*list_, list_->plugins[i]);
    Run(i, call);
  }
}

void Chain::Gc(const std::vector<AttachmentKey>& valid) {
  if (!AtLeast(list_->cni_version, "1.1.0")) return;
  nlohmann::json attachments = nlohmann::json::array();
  for (const AttachmentKey& key : valid) {
    attachments.push_back({{"containerID", key.container_id}, {"ifname", key.if_name}});
  }
  std::optional<Error> first;
  for (size_t i = 0; i < plugins_.size(); ++i) {
    PluginCall call;
    call.command = HOSTLET_CNI_GC;
    call.path = cni_path_;
    call.config =
        NetworkStdin(*list_, list_->plugins[i], {{"cni.dev/valid-attachments", attachments}});
    try {
      Run(i, call);
    } catch (const Error& error) {
      if (!first) first = error;
    }
  }
  if (first) throw *first;
}

}  // namespace hostlet::network
