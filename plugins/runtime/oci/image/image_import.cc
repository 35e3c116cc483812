#include "plugins/runtime/oci/image/image_import.h"

#include "plugins/runtime/oci/image/digest.h"
#include "plugins/runtime/oci/image/layer_digest.h"
#include "plugins/runtime/oci/image/reference.h"
#include "plugins/runtime/oci/util/files.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace hostlet::oci {
namespace {

constexpr const char* kIndexMediaTypes[] = {"application/vnd.oci.image.index.v1+json",
                                            "application/vnd.docker.distribution.manifest.list.v2+json"};

std::runtime_error Bad(const std::filesystem::path& source, const std::string& what) {
  return std::runtime_error(source.string() + ": " + what);
}

nlohmann::json ParseJson(const std::string& text, const std::string& what) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) throw std::runtime_error(what + " is not a JSON object");
  return json;
}


std::string ReadRequired(const std::filesystem::path& file) {
  if (!std::filesystem::is_regular_file(file)) throw std::runtime_error("missing " + file.filename().string());
  return ReadFile(file);
}

// Extracts a tar archive (any compression) into `into`, refusing paths that leave it.
void ExtractArchive(const std::filesystem::path& file, const std::filesystem::path& into) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(), &archive_read_free);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_tar(reader.get());
  archive_read_support_format_gnutar(reader.get());
  if (archive_read_open_filename(reader.get(), file.c_str(), 1 << 16) != ARCHIVE_OK) {
    throw std::runtime_error(std::string("not a readable archive: ") + archive_error_string(reader.get()));
  }
  std::unique_ptr<archive, decltype(&archive_write_free)> writer(archive_write_disk_new(), &archive_write_free);
  // Entries are checked here and then written under `into`, an absolute path, so libarchive's
  // own absolute-path check cannot be used; it still refuses ".." and symlinked parents.
  archive_write_disk_set_options(writer.get(), ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                   ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  archive_entry* entry = nullptr;
  int read;
  while ((read = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK) {
    const auto type = archive_entry_filetype(entry);
    if (type != AE_IFREG && type != AE_IFDIR) continue;  // image archives hold files and dirs only
    std::filesystem::path name = std::filesystem::path(archive_entry_pathname(entry)).lexically_normal();
    if (name.is_absolute() || (!name.empty() && *name.begin() == "..")) {
      throw std::runtime_error("archive entry \"" + name.string() + "\" points outside the archive");
    }
    std::string path = (into / name).string();
    archive_entry_set_pathname(entry, path.c_str());
    if (archive_write_header(writer.get(), entry) != ARCHIVE_OK) {
      throw std::runtime_error(std::string("cannot extract: ") + archive_error_string(writer.get()));
    }
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    while (archive_read_data_block(reader.get(), &block, &size, &offset) == ARCHIVE_OK) {
      archive_write_data_block(writer.get(), block, size, offset);
    }
    archive_write_finish_entry(writer.get());
  }
  if (read != ARCHIVE_EOF) {
    throw std::runtime_error(std::string("corrupt archive: ") + archive_error_string(reader.get()));
  }
}

// The image config's "config" object, and its diff_ids checked against the layers.
ImageRecord Complete(ImageRecord record, BlobStore& blobs) {
  nlohmann::json config = ParseJson(blobs.Read(record.id), "image config " + record.id);
  auto rootfs = config.find("rootfs");
  if (rootfs == config.end() || !rootfs->contains("diff_ids") || !(*rootfs)["diff_ids"].is_array()) {
    throw std::runtime_error("image config " + record.id + " has no rootfs.diff_ids");
  }
  record.diff_ids = (*rootfs)["diff_ids"].get<std::vector<std::string>>();
  if (record.diff_ids.size() != record.layers.size()) {
    throw std::runtime_error("image config " + record.id + " lists " + std::to_string(record.diff_ids.size()) +
                             " layers but the manifest has " + std::to_string(record.layers.size()));
  }
  record.size = std::filesystem::file_size(blobs.PathOf(record.id));
  for (size_t i = 0; i < record.layers.size(); ++i) {
    std::string uncompressed = UncompressedDigest(blobs.PathOf(record.layers[i]));
    if (uncompressed != record.diff_ids[i]) {
      throw std::runtime_error("layer " + record.layers[i] + " unpacks to " + uncompressed +
                               " but the config expects " + record.diff_ids[i]);
    }
    record.size += std::filesystem::file_size(blobs.PathOf(record.layers[i]));
  }
  record.config = config.value("config", nlohmann::json::object());
  return record;
}

void AddName(ImageRecord& record, const std::string& name) {
  auto reference = ParseReference(name);
  if (!reference) return;
  auto add = [](std::vector<std::string>& names, const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  if (!reference->tag.empty()) add(record.repo_tags, reference->TaggedName());
  if (!record.manifest_digest.empty()) add(record.repo_digests, reference->Name() + "@" + record.manifest_digest);
}

bool IsIndex(const nlohmann::json& json) {
  std::string type = json.value("mediaType", "");
  for (const char* index : kIndexMediaTypes) {
    if (type == index) return true;
  }
  return !json.contains("config") && json.contains("manifests");
}

// From an index, the manifest for linux/amd64 (or the only one without a platform).
std::string ChooseManifest(const nlohmann::json& index) {
  for (const auto& descriptor : index.value("manifests", nlohmann::json::array())) {
    const auto platform = descriptor.value("platform", nlohmann::json::object());
    if (platform.empty() || (platform.value("os", "") == "linux" && platform.value("architecture", "") == "amd64")) {
      return descriptor.value("digest", "");
    }
  }
  throw std::runtime_error("the image index has no manifest for linux/amd64");
}

std::vector<ImageRecord> ImportOciLayout(const std::filesystem::path& dir, BlobStore& blobs) {
  nlohmann::json index = ParseJson(ReadRequired(dir / "index.json"), "index.json");
  auto add_blob = [&](const std::string& digest) {
    if (!IsValidDigest(digest)) throw std::runtime_error("invalid digest \"" + digest + "\"");
    if (!blobs.Has(digest)) blobs.AddFile(dir / "blobs" / "sha256" / digest.substr(7), digest);
  };
  std::vector<ImageRecord> images;
  for (const auto& descriptor : index.value("manifests", nlohmann::json::array())) {
    std::string digest = descriptor.value("digest", "");
    add_blob(digest);
    nlohmann::json manifest = ParseJson(blobs.Read(digest), "manifest " + digest);
    if (IsIndex(manifest)) {
      digest = ChooseManifest(manifest);
      add_blob(digest);
      manifest = ParseJson(blobs.Read(digest), "manifest " + digest);
    }
    add_blob(manifest["config"].value("digest", ""));
    for (const auto& layer : manifest.value("layers", nlohmann::json::array())) add_blob(layer.value("digest", ""));
    std::vector<std::string> names;
    const auto annotations = descriptor.value("annotations", nlohmann::json::object());
    for (const char* key : {"io.containerd.image.name", "org.opencontainers.image.ref.name"}) {
      if (annotations.contains(key) && annotations[key].is_string()) names.push_back(annotations[key]);
    }
    images.push_back(RecordFromManifest(digest, blobs, names));
  }
  if (images.empty()) throw std::runtime_error("index.json lists no manifests");
  return images;
}

std::vector<ImageRecord> ImportDockerSave(const std::filesystem::path& dir, BlobStore& blobs) {
  nlohmann::json manifests = nlohmann::json::parse(ReadRequired(dir / "manifest.json"), nullptr, false);
  if (manifests.is_discarded() || !manifests.is_array() || manifests.empty()) {
    throw std::runtime_error("manifest.json is not a non-empty JSON array");
  }
  std::vector<ImageRecord> images;
  for (const auto& entry : manifests) {
    auto inside = [&](const std::string& relative) {
      auto path = (dir / relative).lexically_normal();
      if (relative.empty() || !path.string().starts_with(dir.string())) {
        throw std::runtime_error("manifest.json names a file outside the archive: \"" + relative + "\"");
      }
      return path;
    };
    ImageRecord record;
    record.id = blobs.AddFile(inside(entry.value("Config", "")));
    for (const auto& layer : entry.value("Layers", nlohmann::json::array())) {
      record.layers.push_back(blobs.AddFile(inside(layer.get<std::string>())));
    }
    record = Complete(std::move(record), blobs);
    for (const auto& tag : entry.value("RepoTags", nlohmann::json::array())) {
      if (tag.is_string()) AddName(record, tag.get<std::string>());
    }
    images.push_back(std::move(record));
  }
  return images;
}

}  // namespace

ImageRecord RecordFromManifest(const std::string& manifest_digest, BlobStore& blobs,
                               const std::vector<std::string>& names) {
  nlohmann::json manifest = ParseJson(blobs.Read(manifest_digest), "manifest " + manifest_digest);
  ImageRecord record;
  record.manifest_digest = manifest_digest;
  record.id = manifest.value("config", nlohmann::json::object()).value("digest", "");
  if (!IsValidDigest(record.id)) throw std::runtime_error("manifest " + manifest_digest + " has no valid config digest");
  for (const auto& layer : manifest.value("layers", nlohmann::json::array())) {
    record.layers.push_back(layer.value("digest", ""));
  }
  record = Complete(std::move(record), blobs);
  for (const auto& name : names) AddName(record, name);
  return record;
}

std::vector<ImageRecord> ImportImages(const std::filesystem::path& source, BlobStore& blobs,
                                      const std::filesystem::path& scratch) {
  try {
    std::filesystem::path dir = source;
    std::unique_ptr<std::filesystem::path, void (*)(std::filesystem::path*)> extracted(
        nullptr, [](std::filesystem::path* path) {
          std::error_code ignored;
          std::filesystem::remove_all(*path, ignored);
          delete path;
        });
    if (!std::filesystem::is_directory(source)) {
      if (!std::filesystem::is_regular_file(source)) throw std::runtime_error("no such file or directory");
      static std::atomic<int> counter{0};
      dir = scratch / ("import-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
      extracted.reset(new std::filesystem::path(dir));
      std::filesystem::create_directories(dir);
      ExtractArchive(source, dir);
    }
    if (std::filesystem::exists(dir / "oci-layout")) return ImportOciLayout(dir, blobs);
    if (std::filesystem::exists(dir / "manifest.json")) return ImportDockerSave(dir, blobs);
    throw std::runtime_error(
        "neither an OCI image layout (no oci-layout) nor a docker save archive (no manifest.json)");
  } catch (const std::runtime_error& error) {
    throw Bad(source, error.what());
  } catch (const std::exception& error) {
    throw Bad(source, std::string("malformed image: ") + error.what());
  }
}

}  // namespace hostlet::oci
