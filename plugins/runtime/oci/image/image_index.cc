#include "plugins/runtime/oci/image/image_index.h"

#include "plugins/runtime/oci/image/reference.h"
#include "plugins/runtime/oci/util/files.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace hostlet::oci {
namespace {

nlohmann::json ToJson(const ImageRecord& record) {
  return {{"id", record.id},           {"manifestDigest", record.manifest_digest},
          {"layers", record.layers},   {"diffIDs", record.diff_ids},
          {"size", record.size},       {"repoTags", record.repo_tags},
          {"repoDigests", record.repo_digests}, {"config", record.config}};
}

ImageRecord FromJson(const nlohmann::json& json) {
  ImageRecord record;
  record.id = json.at("id").get<std::string>();
  record.manifest_digest = json.value("manifestDigest", "");
  record.layers = json.at("layers").get<std::vector<std::string>>();
  record.diff_ids = json.at("diffIDs").get<std::vector<std::string>>();
  record.size = json.value("size", uint64_t{0});
  record.repo_tags = json.value("repoTags", std::vector<std::string>{});
  record.repo_digests = json.value("repoDigests", std::vector<std::string>{});
  record.config = json.value("config", nlohmann::json::object());
  return record;
}

void AddUnique(std::vector<std::string>& names, const std::string& name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

}  // namespace

ImageIndex::ImageIndex(std::filesystem::path file) : file_(std::move(file)) {
  std::ifstream in(file_);
  if (!in) return;
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    throw std::runtime_error(file_.string() + ": the image index is not valid JSON");
  }
  try {
    for (const auto& image : json.value("images", nlohmann::json::array())) {
      ImageRecord record = FromJson(image);
      images_[record.id] = record;
    }
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(file_.string() + ": corrupt image index: " + error.what());
  }
}

std::vector<ImageRecord> ImageIndex::All() const {
  std::vector<ImageRecord> all;
  for (const auto& [id, record] : images_) all.push_back(record);
  return all;
}

std::optional<ImageRecord> ImageIndex::Find(const std::string& image) const {
  if (auto found = images_.find(image); found != images_.end()) return found->second;
  std::string hex = image.starts_with("sha256:") ? image.substr(7) : image;
  if (hex.size() >= 12 && hex.size() <= 64 &&
      std::all_of(hex.begin(), hex.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
    const ImageRecord* match = nullptr;
    for (const auto& [id, record] : images_) {
      if (id.compare(7, hex.size(), hex) == 0) {
        if (match != nullptr) return std::nullopt;  // ambiguous prefix
        match = &record;
      }
    }
    if (match != nullptr) return *match;
  }
  auto reference = ParseReference(image);
  if (!reference) return std::nullopt;
  const std::string tagged = reference->tag.empty() ? "" : reference->TaggedName();
  const std::string pinned = reference->digest.empty() ? "" : reference->Name() + "@" + reference->digest;
  for (const auto& [id, record] : images_) {
    auto has = [](const std::vector<std::string>& names, const std::string& name) {
      return !name.empty() && std::find(names.begin(), names.end(), name) != names.end();
    };
    if (!pinned.empty() ? has(record.repo_digests, pinned) : has(record.repo_tags, tagged)) return record;
  }
  return std::nullopt;
}

void ImageIndex::Put(const ImageRecord& incoming) {
  auto [it, inserted] = images_.try_emplace(incoming.id, incoming);
  ImageRecord& record = it->second;
  if (!inserted) {
    for (const auto& tag : incoming.repo_tags) AddUnique(record.repo_tags, tag);
    for (const auto& digest : incoming.repo_digests) AddUnique(record.repo_digests, digest);
    if (record.manifest_digest.empty()) record.manifest_digest = incoming.manifest_digest;
  }
  for (auto& [id, other] : images_) {
    if (id == incoming.id) continue;
    std::erase_if(other.repo_tags, [&](const std::string& tag) {
      return std::find(incoming.repo_tags.begin(), incoming.repo_tags.end(), tag) != incoming.repo_tags.end();
    });
  }
}

bool ImageIndex::Erase(const std::string& id) { return images_.erase(id) > 0; }

void ImageIndex::Save() const {
  nlohmann::json images = nlohmann::json::array();
  for (const auto& [id, record] : images_) images.push_back(ToJson(record));
  WriteAtomically(file_, nlohmann::json{{"images", images}}.dump(1));
}

}  // namespace hostlet::oci
