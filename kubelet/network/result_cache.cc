#include "kubelet/network/result_cache.h"

#include "kubelet/network/base64.h"
#include "kubelet/network/error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace hostlet::network {
namespace {

using nlohmann::json;

constexpr char kKind[] = "cniCacheV1";

std::string Text(const json& record, const char* key) {
  auto found = record.find(key);
  return found != record.end() && found->is_string() ? found->get<std::string>() : "";
}

json Encode(const CachedAttachment& entry) {
  json record = {{"kind", kKind},
                 {"containerId", entry.container_id},
                 {"config", Base64Encode(entry.config)},
                 {"ifName", entry.if_name},
                 {"networkName", entry.network_name},
                 {"result", entry.result}};
  if (!entry.netns.empty()) record["netns"] = entry.netns;
  if (!entry.cni_args.empty()) {
    json args = json::array();
    for (const auto& [key, value] : entry.cni_args) args.push_back({key, value});
    record["cniArgs"] = args;
  }
  if (entry.capability_args.is_object() && !entry.capability_args.empty()) {
    record["capabilityArgs"] = entry.capability_args;
  }
  return record;
}

// nullopt when `bytes` is not a cniCacheV1 record.
std::optional<CachedAttachment> Decode(const std::string& bytes) {
  json record = json::parse(bytes, nullptr, false);
  if (!record.is_object() || Text(record, "kind") != kKind) return std::nullopt;
  CachedAttachment entry;
  entry.network_name = Text(record, "networkName");
  entry.container_id = Text(record, "containerId");
  entry.if_name = Text(record, "ifName");
  entry.netns = Text(record, "netns");
  auto config = Base64Decode(Text(record, "config"));
  if (!config || entry.network_name.empty() || entry.container_id.empty() ||
      entry.if_name.empty()) {
    return std::nullopt;
  }
  entry.config = std::move(*config);
  if (auto args = record.find("cniArgs"); args != record.end() && args->is_array()) {
    for (const json& pair : *args) {
      if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
        entry.cni_args.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
      }
    }
  }
  if (auto capabilities = record.find("capabilityArgs");
      capabilities != record.end() && capabilities->is_object()) {
    entry.capability_args = *capabilities;
  }
  if (auto result = record.find("result"); result != record.end()) entry.result = *result;
  return entry;
}

std::optional<std::string> ReadFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

[[noreturn]] void IoFailure(const std::filesystem::path& file, const std::string& what) {
  throw Error(kCniIoFailure,
              "result cache " + file.string() + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

void ResultCache::Store(const CachedAttachment& entry) const {
  const std::filesystem::path file = FileFor(entry.network_name, entry.container_id, entry.if_name);
  std::error_code error;
  std::filesystem::create_directories(results_, error);
  if (error) {
    throw Error(kCniIoFailure, "result cache " + results_.string() + ": " + error.message());
  }
  chmod(results_.c_str(), 0700);
  const std::string bytes = Encode(entry).dump();
  // A dot name keeps a half-written file out of List and Find.
  std::string temporary = (results_ / ("." + file.filename().string() + ".XXXXXX")).string();
  int fd = mkstemp(temporary.data());
  if (fd < 0) IoFailure(file, "cannot create a temporary file");
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      unlink(temporary.c_str());
      IoFailure(file, "cannot write");
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    unlink(temporary.c_str());
    IoFailure(file, "cannot flush");
  }
  if (rename(temporary.c_str(), file.c_str()) != 0) {
    unlink(temporary.c_str());
    IoFailure(file, "cannot rename into place");
  }
  // The rename itself must survive a crash too.
  if (int dir = open(results_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    fsync(dir);
    close(dir);
  }
}

std::optional<CachedAttachment> ResultCache::Load(const std::string& network,
                                                  const std::string& container_id,
                                                  const std::string& if_name) const {
  const std::filesystem::path file = FileFor(network, container_id, if_name);
  auto bytes = ReadFile(file);
  if (!bytes) return std::nullopt;
  auto entry = Decode(*bytes);
  if (!entry) {
    throw Error(kCniDecodeFailure, "result cache " + file.string() + " is not a cniCacheV1 record");
  }
  return entry;
}

std::vector<CachedAttachment> ResultCache::ReadAll(const std::string& name_suffix) const {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (std::filesystem::directory_iterator it(results_, error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with(".") || !name.ends_with(name_suffix)) continue;
    files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  std::vector<CachedAttachment> entries;
  for (const auto& file : files) {
    auto bytes = ReadFile(file);
    if (!bytes) continue;
    auto entry = Decode(*bytes);
    // The name must agree with the record, as it is the name Load and Remove will use.
    if (entry && file.filename() ==
                     FileFor(entry->network_name, entry->container_id, entry->if_name).filename()) {
      entries.push_back(std::move(*entry));
    }
  }
  return entries;
}

std::vector<CachedAttachment> ResultCache::Find(const std::string& container_id,
                                                const std::string& if_name) const {
  std::vector<CachedAttachment> found;
  for (auto& entry : ReadAll("-" + container_id + "-" + if_name)) {
    if (entry.container_id == container_id && entry.if_name == if_name) {
      found.push_back(std::move(entry));
    }
  }
  return found;
}

std::vector<CachedAttachment> ResultCache::List(const std::string& network) const {
  std::vector<CachedAttachment> found;
  for (auto& entry : ReadAll("")) {
    if (entry.network_name == network) found.push_back(std::move(entry));
  }
  return found;
}

void ResultCache::Remove(const std::string& network, const std::string& container_id,
                         const std::string& if_name) const {
  const std::filesystem::path file = FileFor(network, container_id, if_name);
  if (unlink(file.c_str()) != 0 && errno != ENOENT) IoFailure(file, "cannot remove");
}

}  // namespace hostlet::network
