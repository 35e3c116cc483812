#include "plugins/runtime/oci/image/image_store.h"

#include "plugins/runtime/oci/image/image_import.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <set>
#include <stdexcept>

extern char** environ;

namespace hostlet::oci {
namespace {

// Runs `unpacker rootfs` with the layer as stdin; throws with the unpacker's own words.
void ApplyLayer(const std::filesystem::path& unpacker, const std::filesystem::path& layer,
                const std::filesystem::path& rootfs) {
  int input = open(layer.c_str(), O_RDONLY | O_CLOEXEC);
  if (input < 0) throw std::runtime_error("cannot open layer " + layer.string());
  int errors[2];
  if (pipe2(errors, O_CLOEXEC) != 0) {
    close(input);
    throw std::runtime_error("cannot create a pipe");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, input, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, errors[1], STDERR_FILENO);
  std::string unpacker_path = unpacker.string();
  std::string rootfs_path = rootfs.string();
  char* argv[] = {unpacker_path.data(), rootfs_path.data(), nullptr};
  pid_t pid = -1;
  int spawned = posix_spawn(&pid, unpacker_path.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(input);
  close(errors[1]);
  std::string message;
  char buffer[4096];
  ssize_t got;
  while ((got = read(errors[0], buffer, sizeof(buffer))) > 0) message.append(buffer, static_cast<size_t>(got));
  close(errors[0]);
  if (spawned != 0) throw std::runtime_error("cannot run " + unpacker_path + ": " + std::strerror(spawned));
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!message.empty() && message.back() == '\n') message.pop_back();
    throw std::runtime_error(message.empty() ? "layer unpacking failed" : message);
  }
}

}  // namespace

ImageStore::ImageStore(std::filesystem::path root, std::filesystem::path unpacker)
    : root_(std::move(root)), unpacker_(std::move(unpacker)), blobs_(root_), index_(root_ / "images.json") {
  std::filesystem::create_directories(root_ / "rootfs");
  std::filesystem::create_directories(root_ / "tmp");
}

std::filesystem::path ImageStore::RootfsOf(const std::string& id) const {
  return root_ / "rootfs" / id.substr(7);
}

void ImageStore::Unpack(const ImageRecord& record) {
  auto target = RootfsOf(record.id);
  if (std::filesystem::exists(target)) return;
  auto staging = root_ / "rootfs" / (".unpacking-" + record.id.substr(7));
  std::error_code ignored;
  std::filesystem::remove_all(staging, ignored);
  std::filesystem::create_directories(staging);
  try {
    for (const auto& layer : record.layers) {
      try {
        ApplyLayer(unpacker_, blobs_.PathOf(layer), staging);
      } catch (const std::exception& error) {
        throw std::runtime_error("layer " + layer + ": " + error.what());
      }
    }
  } catch (...) {
    std::filesystem::remove_all(staging, ignored);
    throw;
  }
  std::filesystem::rename(staging, target);
}

void ImageStore::IndexAll(const std::vector<ImageRecord>& records) {
  for (const auto& record : records) Unpack(record);
  for (const auto& record : records) index_.Put(record);
  index_.Save();
}

std::vector<ImageRecord> ImageStore::Import(const std::filesystem::path& source) {
  std::lock_guard lock(mutex_);
  std::vector<ImageRecord> records = ImportImages(source, blobs_, root_ / "tmp");
  IndexAll(records);
  std::vector<ImageRecord> stored;
  for (const auto& record : records) stored.push_back(*index_.Find(record.id));
  return stored;
}

ImageRecord ImageStore::AddPulled(const std::string& manifest_digest, const std::vector<std::string>& names) {
  std::lock_guard lock(mutex_);
  ImageRecord record = RecordFromManifest(manifest_digest, blobs_, names);
  IndexAll({record});
  return *index_.Find(record.id);
}

std::vector<ImageRecord> ImageStore::List() const {
  std::lock_guard lock(mutex_);
  return index_.All();
}

std::optional<ImageRecord> ImageStore::Find(const std::string& image) const {
  std::lock_guard lock(mutex_);
  return index_.Find(image);
}

bool ImageStore::Remove(const std::string& image) {
  std::lock_guard lock(mutex_);
  auto record = index_.Find(image);
  if (!record) return false;
  index_.Erase(record->id);
  index_.Save();
  std::set<std::string> in_use;
  for (const auto& other : index_.All()) {
    in_use.insert(other.id);
    in_use.insert(other.manifest_digest);
    in_use.insert(other.layers.begin(), other.layers.end());
  }
  for (const auto& digest : record->layers) {
    if (!in_use.contains(digest)) blobs_.Remove(digest);
  }
  if (!in_use.contains(record->manifest_digest) && !record->manifest_digest.empty()) {
    blobs_.Remove(record->manifest_digest);
  }
  if (!in_use.contains(record->id)) {
    blobs_.Remove(record->id);
    std::error_code ignored;
    std::filesystem::remove_all(RootfsOf(record->id), ignored);
  }
  return true;
}

ImageStore::Usage ImageStore::DiskUsage() const {
  Usage usage;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(
           root_, std::filesystem::directory_options::skip_permission_denied, error);
       it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (error) break;
    struct stat info;
    if (lstat(it->path().c_str(), &info) != 0) continue;
    ++usage.inodes;
    usage.bytes += static_cast<uint64_t>(info.st_blocks) * 512;
  }
  return usage;
}

}  // namespace hostlet::oci
