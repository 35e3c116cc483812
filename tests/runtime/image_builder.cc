#include "tests/runtime/image_builder.h"

#include "plugins/runtime/oci/image/digest.h"

#include <archive.h>
#include <archive_entry.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace hostlet::testing {
namespace {

using hostlet::oci::DigestOf;

std::string ReadFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Builds a tar (optionally gzip) in memory.
class TarWriter {
 public:
  explicit TarWriter(bool gzip) : archive_(archive_write_new()) {
    archive_write_set_format_pax_restricted(archive_);
    if (gzip) archive_write_add_filter_gzip(archive_);
    // No padding after the end-of-archive blocks, so that the tar stream is the same bytes
    // whether or not it is compressed (the diff_id is its digest).
    archive_write_set_bytes_in_last_block(archive_, 1);
    archive_write_open(archive_, this, nullptr, &TarWriter::Append, nullptr);
  }
  ~TarWriter() { archive_write_free(archive_); }

  void Dir(const std::string& path, int mode = 0755) { Add(path, AE_IFDIR, mode, ""); }
  void File(const std::string& path, const std::string& data, int mode = 0644) { Add(path, AE_IFREG, mode, data); }
  void Symlink(const std::string& path, const std::string& target) {
    archive_entry* entry = Entry(path, AE_IFLNK, 0777);
    archive_entry_set_symlink(entry, target.c_str());
    Write(entry, "");
  }
  void Hardlink(const std::string& path, const std::string& target) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, path.c_str());
    archive_entry_set_hardlink(entry, target.c_str());
    archive_entry_set_size(entry, 0);
    // Some unpackers (containerd's) apply a link entry's mode to the shared inode: give it the
    // target's, as tar does.
    archive_entry_set_perm(entry, 0755);
    archive_entry_set_mtime(entry, 1700000000, 0);
    Write(entry, "");
  }
  std::string Finish() {
    archive_write_close(archive_);
    return bytes_;
  }

 private:
  static la_ssize_t Append(archive*, void* self, const void* data, size_t size) {
    static_cast<TarWriter*>(self)->bytes_.append(static_cast<const char*>(data), size);
    return static_cast<la_ssize_t>(size);
  }
  archive_entry* Entry(const std::string& path, unsigned type, int mode) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, path.c_str());
    archive_entry_set_filetype(entry, type);
    archive_entry_set_perm(entry, mode);
    archive_entry_set_mtime(entry, 1700000000, 0);
    return entry;
  }
  void Add(const std::string& path, unsigned type, int mode, const std::string& data) {
    archive_entry* entry = Entry(path, type, mode);
    archive_entry_set_size(entry, static_cast<la_int64_t>(data.size()));
    Write(entry, data);
  }
  void Write(archive_entry* entry, const std::string& data) {
    if (archive_write_header(archive_, entry) != ARCHIVE_OK) {
      throw std::runtime_error(archive_error_string(archive_));
    }
    if (!data.empty()) archive_write_data(archive_, data.data(), data.size());
    archive_entry_free(entry);
  }

  archive* archive_;
  std::string bytes_;
};

Layer MakeLayer(const std::function<void(TarWriter&)>& fill, bool gzip) {
  TarWriter plain(false);
  fill(plain);
  Layer layer;
  std::string tar = plain.Finish();
  layer.diff_id = DigestOf(tar);
  layer.gzip = gzip;
  if (gzip) {
    TarWriter compressed(true);
    fill(compressed);
    layer.bytes = compressed.Finish();
  } else {
    layer.bytes = tar;
  }
  return layer;
}

std::string Hex(const std::string& digest) { return digest.substr(7); }

}  // namespace

TestImage BusyboxImage(const std::vector<std::string>& cmd, bool gzip) {
  const std::string busybox = ReadFile("/bin/busybox");
  if (busybox.empty()) throw std::runtime_error("/bin/busybox (busybox-static) is required by this test");
  TestImage image;
  image.layers.push_back(MakeLayer(
      [&](TarWriter& tar) {
        tar.Dir("bin");
        tar.File("bin/busybox", busybox, 0755);
        for (const char* applet : {"sh", "sleep", "echo", "cat", "ls", "true", "false", "id", "env", "head",
                                   "dd", "wc", "ping", "ip", "hostname", "mkdir", "touch", "stat", "yes", "kill"}) {
          tar.Symlink(std::string("bin/") + applet, "busybox");
        }
        tar.Dir("etc");
        tar.File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n");
        tar.File("etc/group", "root:x:0:\nnogroup:x:65534:\n");
        tar.Dir("tmp", 01777);
        tar.Dir("root", 0700);
        tar.File("removed-by-upper", "this file is deleted by the upper layer\n");
        // A hard link within the layer (links to files of lower layers are not portable).
        tar.Hardlink("bin/busybox-link", "bin/busybox");
      },
      gzip));
  image.layers.push_back(MakeLayer(
      [&](TarWriter& tar) {
        tar.File(".wh.removed-by-upper", "");
        tar.File("upper.txt", "from the upper layer\n");
      },
      gzip));
  nlohmann::json diff_ids = nlohmann::json::array();
  for (const auto& layer : image.layers) diff_ids.push_back(layer.diff_id);
  image.config = nlohmann::json{{"architecture", "amd64"},
                                {"os", "linux"},
                                {"config", {{"Cmd", cmd}, {"Env", {"PATH=/bin", "IMAGE_VAR=from-image"}}, {"WorkingDir", "/"}}},
                                {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}}
                     .dump();
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& layer : image.layers) {
    layers.push_back({{"mediaType", layer.gzip ? "application/vnd.oci.image.layer.v1.tar+gzip"
                                               : "application/vnd.oci.image.layer.v1.tar"},
                      {"digest", DigestOf(layer.bytes)},
                      {"size", layer.bytes.size()}});
  }
  image.manifest = nlohmann::json{{"schemaVersion", 2},
                                  {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                                  {"config",
                                   {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                                    {"digest", DigestOf(image.config)},
                                    {"size", image.config.size()}}},
                                  {"layers", layers}}
                       .dump();
  return image;
}

void WriteOciLayout(const TestImage& image, const std::string& name, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir / "blobs" / "sha256");
  auto blob = [&](const std::string& bytes) {
    std::ofstream(dir / "blobs" / "sha256" / Hex(DigestOf(bytes)), std::ios::binary) << bytes;
  };
  blob(image.config);
  blob(image.manifest);
  for (const auto& layer : image.layers) blob(layer.bytes);
  std::ofstream(dir / "oci-layout") << R"({"imageLayoutVersion":"1.0.0"})";
  nlohmann::json index = {{"schemaVersion", 2},
                          {"manifests",
                           {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                             {"digest", DigestOf(image.manifest)},
                             {"size", image.manifest.size()},
                             {"annotations", {{"io.containerd.image.name", name},
                                              {"org.opencontainers.image.ref.name", name}}}}}}};
  std::ofstream(dir / "index.json") << index.dump();
}

void TarDirectory(const std::filesystem::path& dir, const std::filesystem::path& file) {
  TarWriter tar(false);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    std::string relative = std::filesystem::relative(entry.path(), dir).string();
    if (entry.is_directory()) {
      tar.Dir(relative);
    } else {
      tar.File(relative, ReadFile(entry.path()));
    }
  }
  std::ofstream(file, std::ios::binary) << tar.Finish();
}

void WriteOciArchive(const TestImage& image, const std::string& name, const std::filesystem::path& file) {
  auto dir = file.parent_path() / (file.filename().string() + ".d");
  WriteOciLayout(image, name, dir);
  TarDirectory(dir, file);
  std::filesystem::remove_all(dir);
}

void WriteDockerArchive(const TestImage& image, const std::string& repo_tag, const std::filesystem::path& file) {
  TarWriter tar(false);
  const std::string config_name = Hex(DigestOf(image.config)) + ".json";
  tar.File(config_name, image.config);
  nlohmann::json layers = nlohmann::json::array();
  for (size_t i = 0; i < image.layers.size(); ++i) {
    // docker save stores layers uncompressed
    if (image.layers[i].gzip) throw std::runtime_error("docker save archives hold uncompressed layers");
    std::string name = "layer" + std::to_string(i) + "/layer.tar";
    tar.Dir("layer" + std::to_string(i));
    tar.File(name, image.layers[i].bytes);
    layers.push_back(name);
  }
  tar.File("manifest.json",
           nlohmann::json::array({{{"Config", config_name}, {"RepoTags", {repo_tag}}, {"Layers", layers}}}).dump());
  std::ofstream(file, std::ios::binary) << tar.Finish();
}

}  // namespace hostlet::testing
