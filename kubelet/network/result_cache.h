// The on-disk record of each attachment, in libcni's format, so that DEL, CHECK and GC work
// after the agent restarts, and tear an attachment down with the configuration it was set up
// with: <dir>/results/<network>-<containerID>-<ifName>, JSON of kind "cniCacheV1" with the
// configuration bytes in base64 as Go writes a []byte. Files are replaced atomically.
#pragma once

#include "kubelet/network/attachment.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hostlet::network {

struct CachedAttachment {
  std::string network_name;
  std::string container_id;
  std::string if_name;
  std::string netns;
  std::string config;  // the configuration list's bytes, exactly as used for ADD
  CniArgs cni_args;
  nlohmann::json capability_args = nlohmann::json::object();
  nlohmann::json result;  // the ADD result
};

class ResultCache {
 public:
  explicit ResultCache(std::filesystem::path dir) : results_(std::move(dir) / "results") {}

  // Writes the record atomically (a temporary file renamed over it). Throws Error kCniIoFailure.
  void Store(const CachedAttachment& entry) const;

  // The record of one attachment; nullopt when there is none. Throws Error kCniDecodeFailure
  // for a file that is not a cniCacheV1 record.
  std::optional<CachedAttachment> Load(const std::string& network, const std::string& container_id,
                                       const std::string& if_name) const;

  // Every readable record of a container's interface, whatever its network: an attachment
  // made before the configuration's network name changed is still found.
  std::vector<CachedAttachment> Find(const std::string& container_id,
                                     const std::string& if_name) const;

  // Every readable record of `network`, ordered by file name.
  std::vector<CachedAttachment> List(const std::string& network) const;

  // Removes a record; no error when there is none.
  void Remove(const std::string& network, const std::string& container_id,
              const std::string& if_name) const;

  std::filesystem::path FileFor(const std::string& network, const std::string& container_id,
                                const std::string& if_name) const {
    return results_ / (network + "-" + container_id + "-" + if_name);
  }

 private:
  std::vector<CachedAttachment> ReadAll(const std::string& name_suffix) const;

  std::filesystem::path results_;
};

}  // namespace hostlet::network
