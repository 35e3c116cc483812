#include "kubelet/network/manager.h"

#include "kubelet/network/chain.h"
#include "kubelet/network/error.h"
#include "kubelet/network/spec_version.h"

#include <algorithm>
#include <optional>

namespace hostlet::network {
namespace {

// The configuration a cached attachment was made with.
std::shared_ptr<const NetworkConfigList> CachedConfig(const ResultCache& cache,
                                                      const CachedAttachment& cached) {
  const std::string source =
      "configuration cached in " +
      cache.FileFor(cached.network_name, cached.container_id, cached.if_name).string();
  return std::make_shared<const NetworkConfigList>(ParseConfigList(cached.config, source));
}

// The attachment as it was made: CNI_ARGS and capability arguments come from the cache, so that
// plugins undo exactly what they did (a port mapping, say).
Attachment AsCached(const Attachment& attachment, const CachedAttachment& cached) {
  Attachment original = attachment;
  if (!cached.cni_args.empty()) original.args = cached.cni_args;
  original.capability_args = cached.capability_args;
  if (original.netns.empty()) original.netns = cached.netns;
  return original;
}

}  // namespace

NetworkManager::NetworkManager(ManagerOptions options)
    : configs_(options.config_dir),
      cache_(options.cache_dir),
      resolver_(std::move(options.modules), std::move(options.bin_dirs), options.exec) {}

nlohmann::json NetworkManager::Add(const Attachment& attachment) {
  ValidateAttachment(attachment);
  Chain chain(configs_.Current(), resolver_, versions_);
  nlohmann::json result = chain.Add(attachment);
  CachedAttachment record;
  record.network_name = chain.list().name;
  record.container_id = attachment.container_id;
  record.if_name = attachment.if_name;
  record.netns = attachment.netns;
  record.config = chain.list().bytes;
  record.cni_args = attachment.args;
  record.capability_args = attachment.capability_args;
  record.result = result;
  try {
    cache_.Store(record);
  } catch (const Error& error) {
    // An attachment the cache does not know could not be torn down with its configuration
    // later: undo it now rather than leave it behind.
    try {
      chain.Del(attachment, &result);
    } catch (const Error& undo) {
      throw Error(error.code(),
                  std::string(error.what()) + "; undoing the attachment failed too: " + undo.what(),
                  error.details());
    }
    throw;
  }
  return result;
}

void NetworkManager::DelCached(const CachedAttachment& cached, const Attachment& attachment) {
  std::shared_ptr<const NetworkConfigList> config;
  try {
    config = CachedConfig(cache_, cached);
  } catch (const Error&) {
    // A record whose configuration does not read is torn down with the current one, without
    // prevResult, as libcni does with a record it cannot read.
    config = configs_.Current();
    Chain(config, resolver_, versions_).Del(attachment, nullptr);
    cache_.Remove(cached.network_name, cached.container_id, cached.if_name);
    return;
  }
  Chain(config, resolver_, versions_).Del(AsCached(attachment, cached), &cached.result);
  cache_.Remove(cached.network_name, cached.container_id, cached.if_name);
}

void NetworkManager::Del(const Attachment& attachment) {
  ValidateAttachment(attachment);
  std::vector<CachedAttachment> cached = cache_.Find(attachment.container_id, attachment.if_name);
  if (cached.empty()) {
    std::shared_ptr<const NetworkConfigList> current;
    try {
      current = configs_.Current();
    } catch (const Error& error) {
      if (error.code() == kCniNotAvailable) return;  // no network, nothing attached to it
      throw;
    }
    Chain(current, resolver_, versions_).Del(attachment, nullptr);
    return;
  }
  for (const CachedAttachment& entry : cached) DelCached(entry, attachment);
}

void NetworkManager::Check(const Attachment& attachment) {
  ValidateAttachment(attachment);
  std::vector<CachedAttachment> cached = cache_.Find(attachment.container_id, attachment.if_name);
  if (cached.empty()) {
    throw Error(kCniUnknownContainer, "no cached result for container " + attachment.container_id +
                                          " interface " + attachment.if_name +
                                          ": it was never attached");
  }
  for (const CachedAttachment& entry : cached) {
    auto config = CachedConfig(cache_, entry);
    if (config->disable_check) continue;
    Chain(config, resolver_, versions_).Check(AsCached(attachment, entry), entry.result);
  }
}

void NetworkManager::Status() { Chain(configs_.Current(), resolver_, versions_).Status(); }

void NetworkManager::Gc(const std::vector<AttachmentKey>& valid) {
  auto current = configs_.Current();
  if (current->disable_gc) return;
  std::optional<Error> first;
  for (const CachedAttachment& entry : cache_.List(current->name)) {
    AttachmentKey key{entry.container_id, entry.if_name};
    if (std::find(valid.begin(), valid.end(), key) != valid.end()) continue;
    Attachment stale{entry.container_id, entry.netns, entry.if_name, entry.cni_args,
                     entry.capability_args};
    try {
      DelCached(entry, stale);
    } catch (const Error& error) {
      if (!first) {
        first = error.WithContext("deleting stale attachment " + entry.container_id + " " +
                                  entry.if_name);
      }
    }
  }
  try {
    if (AtLeast(current->cni_version, "1.1.0")) Chain(current, resolver_, versions_).Gc(valid);
  } catch (const Error& error) {
    if (!first) first = error;
  }
  if (first) throw *first;
}

}  // namespace hostlet::network
