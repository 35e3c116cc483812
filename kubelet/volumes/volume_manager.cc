#include "kubelet/volumes/volume_manager.h"

#include "kubelet/volumes/atomic_writer.h"
#include "kubelet/volumes/host_path.h"
#include "kubelet/volumes/mounts.h"
#include "kubelet/volumes/quantity.h"
#include "kubelet/volumes/safe_remove.h"
#include "kubelet/volumes/volume_payloads.h"

#include <sys/stat.h>

#include <cerrno>
#include <set>
#include <stdexcept>
#include <utility>

namespace hostlet::agent {
namespace fs = std::filesystem;
namespace {

constexpr const char* kEmptyDir = "kubernetes.io~empty-dir";
constexpr const char* kConfigMap = "kubernetes.io~configmap";
constexpr const char* kSecret = "kubernetes.io~secret";
constexpr const char* kDownwardApi = "kubernetes.io~downward-api";
constexpr const char* kProjected = "kubernetes.io~projected";

std::string StringField(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return "";
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

const nlohmann::json& Field(const nlohmann::json& object, const char* field) {
  static const nlohmann::json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(field);
  return it == object.end() ? kNull : *it;
}

// A name used as one path element: a uid or a volume name must not reach outside its directory.
bool IsPlainName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

void RequirePlainUid(const std::string& uid) {
  if (!IsPlainName(uid)) throw std::invalid_argument("invalid pod uid \"" + uid + "\"");
}

// The subPath `sub` as an error-free relative path, or a PodConfigError.
void ValidateSubPath(const std::string& volume, const std::string& sub) {
  if (sub.front() == '/')
    ThrowConfigError("volume \"" + volume + "\": subPath \"" + sub + "\" must be a relative path");
  for (const auto& element : fs::path(sub)) {
    if (element == "..")
      ThrowConfigError("volume \"" + volume + "\": subPath \"" + sub + "\" must not contain '..'");
  }
}

bool IsWithin(const fs::path& path, const fs::path& dir) {
  auto rel = path.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

VolumeManager::VolumeManager(fs::path pods_dir, ObjectGetter get)
    : pods_dir_(std::move(pods_dir)), get_(std::move(get)) {}

fs::path VolumeManager::VolumeDir(const std::string& uid, const char* plugin,
                                  const std::string& name) const {
  return pods_dir_ / uid / "volumes" / plugin / name;
}

void VolumeManager::SetUpEmptyDir(const fs::path& dir, const std::string& name,
                                  const nlohmann::json& source) {
  const std::string medium = StringField(source, "medium");
  if (!medium.empty() && medium != "Memory") {
    ThrowConfigError("volume \"" + name + "\": emptyDir medium \"" + medium +
                     "\" is not supported yet");
  }
  fs::create_directories(dir);
  if (medium == "Memory" && !IsMountPoint(fs::canonical(dir))) {
    // sizeLimit bounds the tmpfs; for a disk-backed emptyDir it is an eviction threshold, which
    // is the eviction manager's business, not the mount's.
    std::optional<std::int64_t> size;
    if (const auto& limit = Field(source, "sizeLimit"); !limit.is_null()) {
      auto text = QuantityText(limit);
      if (text) size = Value(*text);
      if (!size || *size <= 0)
        ThrowConfigError("volume \"" + name + "\": invalid emptyDir sizeLimit");
    }
    MountTmpfs(dir, size);
  }
  // World-writable like the kubelet's, so containers running as any user can use it.
  fs::permissions(dir, fs::perms::all);
}

std::map<std::string, std::string> VolumeManager::SetUp(const nlohmann::json& pod) {
  const auto& metadata = Field(pod, "metadata");
  const std::string uid = StringField(metadata, "uid");
  RequirePlainUid(uid);
  std::string ns = StringField(metadata, "namespace");
  ObjectReader objects(get_, ns.empty() ? "default" : ns);
  fs::create_directories(pods_dir_ / uid / "volumes");

  std::map<std::string, std::string> ready;
  const auto& volumes = Field(Field(pod, "spec"), "volumes");
  if (!volumes.is_array()) return ready;
  for (const auto& volume : volumes) {
    const std::string name = StringField(volume, "name");
    if (!IsPlainName(name)) ThrowConfigError("invalid volume name \"" + name + "\"");
    if (const auto& host = Field(volume, "hostPath"); host.is_object()) {
      const std::string path = StringField(host, "path");
      CheckHostPath(name, path, StringField(host, "type"));
      ready[name] = path;
      continue;
    }
    fs::path dir;
    if (const auto& source = Field(volume, "emptyDir"); source.is_object()) {
      dir = VolumeDir(uid, kEmptyDir, name);
      SetUpEmptyDir(dir, name, source);
    } else if (const auto& cm = Field(volume, "configMap"); cm.is_object()) {
      dir = VolumeDir(uid, kConfigMap, name);
      WriteAtomically(dir, ConfigMapPayload(objects, name, cm));
    } else if (const auto& secret = Field(volume, "secret"); secret.is_object()) {
      dir = VolumeDir(uid, kSecret, name);
      WriteAtomically(dir, SecretPayload(objects, name, secret));
    } else if (const auto& downward = Field(volume, "downwardAPI"); downward.is_object()) {
      dir = VolumeDir(uid, kDownwardApi, name);
      WriteAtomically(dir, DownwardApiPayload(pod, name, downward));
    } else if (const auto& projected = Field(volume, "projected"); projected.is_object()) {
      dir = VolumeDir(uid, kProjected, name);
      WriteAtomically(dir, ProjectedPayload(objects, pod, name, projected));
    } else {
      std::string type = "unknown";
      for (const auto& [key, value] : volume.items()) {
        if (key != "name") type = key;
      }
      ThrowConfigError("volume \"" + name + "\": " + type + " volumes are not supported yet");
    }
    ready[name] = dir.string();
  }
  return ready;
}

std::vector<HostMount> VolumeManager::MountsFor(
    const nlohmann::json& container, const std::map<std::string, std::string>& volumes) const {
  std::vector<HostMount> mounts;
  const auto& list = Field(container, "volumeMounts");
  if (!list.is_array()) return mounts;
  const std::string container_name = StringField(container, "name");
  static const std::set<std::string> kApiData = {kConfigMap, kSecret, kDownwardApi, kProjected};
  for (const auto& entry : list) {
    const std::string name = StringField(entry, "name");
    auto volume = volumes.find(name);
    if (volume == volumes.end()) {
      ThrowConfigError("cannot find volume \"" + name + "\" to mount into container \"" +
                       container_name + "\"");
    }
    HostMount mount;
    mount.container_path = StringField(entry, "mountPath");
    if (mount.container_path.empty())
      ThrowConfigError("volume \"" + name + "\": mountPath must not be empty");
    const fs::path host = volume->second;
    // The kubelet mounts API data read-only whatever the pod asks: a container writing there
    // would be overwritten at the next update anyway.
    const bool api_data =
        IsWithin(host, pods_dir_) && kApiData.count(host.parent_path().filename().string()) != 0;
    mount.read_only = api_data || (entry.contains("readOnly") && entry["readOnly"].is_boolean() &&
                                   entry["readOnly"].get<bool>());
    if (!StringField(entry, "subPathExpr").empty()) {
      ThrowConfigError("volume \"" + name + "\": subPathExpr is not supported yet");
    }
    const std::string sub = StringField(entry, "subPath");
    if (sub.empty()) {
      mount.host_path = host.string();
      mounts.push_back(std::move(mount));
      continue;
    }
    ValidateSubPath(name, sub);
    std::error_code error;
    const fs::path root = fs::canonical(host, error);
    if (error) ThrowConfigError("volume \"" + name + "\": " + error.message());
    struct stat volume_info {};
    const auto volume_mode =
        stat(root.c_str(), &volume_info) == 0 ? volume_info.st_mode & 07777 : 0755;
    // One element at a time: whatever exists (a symlink a container made in an emptyDir, say) must
    // resolve inside the volume before anything is created below it, and what is missing becomes a
    // directory with the volume's own permissions, as the kubelet makes it.
    fs::path target = host;
    for (const auto& element : fs::path(sub)) {
      if (element.empty() || element == ".") continue;
      target /= element;
      if (!fs::exists(fs::symlink_status(target, error))) {
        if (!fs::create_directory(target, error) && error) {
          ThrowConfigError("volume \"" + name + "\": cannot create subPath \"" + sub +
                           "\": " + error.message());
        }
        fs::permissions(target, static_cast<fs::perms>(volume_mode), error);
      }
      // The resolved path is what gets bound, so a later swap of a link cannot redirect it.
      const fs::path resolved = fs::canonical(target, error);
      if (error || (resolved != root && !IsWithin(resolved, root))) {
        ThrowConfigError("volume \"" + name + "\": subPath \"" + sub +
                         "\" leads outside the volume");
      }
    }
    const fs::path resolved = fs::canonical(target);
    mount.host_path = resolved.string();
    mounts.push_back(std::move(mount));
  }
  return mounts;
}

void VolumeManager::TearDown(const std::string& uid) {
  RequirePlainUid(uid);
  const fs::path dir = pods_dir_ / uid;
  struct stat info {};
  if (lstat(dir.c_str(), &info) != 0) {
    if (errno == ENOENT) return;
    throw fs::filesystem_error("cannot stat", dir, std::error_code(errno, std::generic_category()));
  }
  if (!S_ISDIR(info.st_mode)) {  // not ours to follow: just remove the entry itself
    fs::remove(dir);
    return;
  }
  const fs::path real = fs::canonical(dir);
  for (const auto& point : MountPointsUnder(real)) Unmount(point);
  if (auto left = MountPointsUnder(real); !left.empty()) {
    throw std::runtime_error("still mounted after unmounting: " + left.front().string());
  }
  RemoveTreeNoFollow(dir);
}

std::vector<std::string> VolumeManager::PodDirectories() const {
  std::vector<std::string> uids;
  std::error_code error;
  for (auto it = fs::directory_iterator(pods_dir_, error); !error && it != fs::directory_iterator();
       it.increment(error)) {
    if (fs::is_directory(it->symlink_status())) uids.push_back(it->path().filename().string());
  }
  return uids;
}

}  // namespace hostlet::agent
