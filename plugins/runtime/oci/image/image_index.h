// The images the store holds, by id (the config digest), with their names, persisted in
// <root>/images.json and rewritten atomically on every change. Not thread-safe: the image
// service serialises access.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hostlet::oci {

struct ImageRecord {
  std::string id;               // "sha256:..." of the config
  std::string manifest_digest;  // of the image manifest; empty for docker-save imports
  std::vector<std::string> layers;    // layer blob digests, base first
  std::vector<std::string> diff_ids;  // digests of the uncompressed layers
  uint64_t size = 0;                  // bytes of config and layer blobs
  std::vector<std::string> repo_tags;     // "docker.io/library/busybox:latest"
  std::vector<std::string> repo_digests;  // "docker.io/library/busybox@sha256:..."
  nlohmann::json config;                  // the image configuration's "config" object
};

class ImageIndex {
 public:
  explicit ImageIndex(std::filesystem::path file);  // loads it; throws when it is corrupt

  std::vector<ImageRecord> All() const;
  // By id, unique id prefix (at least 12 hex digits), repo tag or repo digest, each normalized.
  std::optional<ImageRecord> Find(const std::string& image) const;
  // Adds or merges (names are added, never dropped), then moves each of its tags away from any
  // other image that had it.
  void Put(const ImageRecord& record);
  // Removes the image with this id; returns false when it was unknown.
  bool Erase(const std::string& id);
  void Save() const;

 private:
  std::filesystem::path file_;
  std::map<std::string, ImageRecord> images_;
};

}  // namespace hostlet::oci
