#include "kubelet/config/static_pods.h"

#include "kubelet/config/names.h"
#include "kubelet/config/pod_defaults.h"
#include "kubelet/config/yaml_json.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace hostlet::agent {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The upstream kubelet's limit on a config file.
constexpr uintmax_t kMaxManifestBytes = 10 * 1024 * 1024;

[[noreturn]] void Invalid(const std::string& field, const std::string& what) {
  throw std::invalid_argument(field + ": " + what);
}

// SHA-256 of the input, first 128 bits as 8-4-4-4-12 hex: stable across restarts so an unchanged
// file keeps its pod, and UUID-shaped like the uids the apiserver hands out.
std::string HashUid(const std::string& input) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  std::string uid;
  char hex[3];
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) uid += '-';
    std::snprintf(hex, sizeof hex, "%02x", digest[i]);
    uid += hex;
  }
  return uid;
}

// Now in UTC as RFC 3339 with the fraction Go's RFC3339Nano would print (trailing zeros cut).
std::string NowRfc3339() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  tm utc{};
  gmtime_r(&now.tv_sec, &utc);
  char seconds[32];
  std::strftime(seconds, sizeof seconds, "%Y-%m-%dT%H:%M:%S", &utc);
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%09ld", static_cast<long>(now.tv_nsec));
  std::string text = fraction;
  while (!text.empty() && (text.back() == '0' || text.back() == '.')) {
    bool dot = text.back() == '.';
    text.pop_back();
    if (dot) break;
  }
  return std::string(seconds) + text + "Z";
}

void RequireValue(const json& object, const std::string& key, const std::string& expected) {
  if (!object.contains(key) || object[key].is_null() || object[key] == "") Invalid(key, "Required value");
  if (object[key] != expected) {
    Invalid(key, "Unsupported value: " + object[key].dump() + ": supported values: \"" + expected + "\"");
  }
}

void RequireStringMap(const json& metadata, const std::string& key) {
  if (!metadata.contains(key) || metadata[key].is_null()) return;
  if (!metadata[key].is_object()) Invalid("metadata." + key, "Invalid value: expected a map of strings");
  for (const auto& [name, value] : metadata[key].items()) {
    if (!value.is_string()) Invalid("metadata." + key + "." + name, "Invalid value: expected a string");
  }
}

// The toleration every file pod gets so node problems do not evict it; added once.
void AddNoExecuteToleration(json& spec) {
  const json toleration = {{"operator", "Exists"}, {"effect", "NoExecute"}};
  if (!spec.contains("tolerations") || spec["tolerations"].is_null()) spec["tolerations"] = json::array();
  for (const json& existing : spec["tolerations"]) {
    if (existing == toleration) return;
  }
  spec["tolerations"].push_back(toleration);
}

json FilePod(const json& manifest, const std::string& source, const std::string& node_name) {
  if (!manifest.is_object()) Invalid("(root)", "Invalid value: expected a Pod object");
  RequireValue(manifest, "apiVersion", "v1");
  RequireValue(manifest, "kind", "Pod");
  json pod = manifest;
  if (!pod.contains("metadata") || !pod["metadata"].is_object()) Invalid("metadata", "Required value");
  json& metadata = pod["metadata"];
  if (!metadata.contains("name") || metadata["name"].is_null() || metadata["name"] == "") {
    Invalid("metadata.name", "Required value");
  }
  if (!metadata["name"].is_string() || !IsDns1123Subdomain(metadata["name"].get<std::string>())) {
    Invalid("metadata.name", "Invalid value: " + metadata["name"].dump() + ": must be an RFC 1123 subdomain");
  }
  if (!metadata.contains("namespace") || metadata["namespace"].is_null() || metadata["namespace"] == "") {
    metadata["namespace"] = "default";
  }
  if (!metadata["namespace"].is_string() || !IsDns1123Label(metadata["namespace"].get<std::string>())) {
    Invalid("metadata.namespace",
            "Invalid value: " + metadata["namespace"].dump() + ": must be an RFC 1123 label");
  }
  RequireStringMap(metadata, "labels");
  RequireStringMap(metadata, "annotations");
  if (!pod.contains("spec")) Invalid("spec", "Required value");
  DefaultAndValidatePodSpec(pod["spec"]);

  // As upstream: the uid hashes the pod as written, then where it came from, so the same file
  // on another node or path is another pod. A uid set in the manifest is kept, as upstream.
  if (!metadata.contains("uid") || !metadata["uid"].is_string() || metadata["uid"] == "") {
    metadata["uid"] = HashUid(manifest.dump() + "\nhost:" + node_name + "\nfile:" + source);
  }
  std::string lower_node = node_name;
  std::transform(lower_node.begin(), lower_node.end(), lower_node.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::string name = metadata["name"].get<std::string>() + "-" + lower_node;
  if (!IsDns1123Subdomain(name)) {
    Invalid("metadata.name", "Invalid value: \"" + name +
                                 "\": with the node name appended it must be an RFC 1123 subdomain");
  }
  metadata["name"] = name;
  if (!metadata.contains("annotations") || metadata["annotations"].is_null()) {
    metadata["annotations"] = json::object();
  }
  json& annotations = metadata["annotations"];
  annotations["kubernetes.io/config.hash"] = metadata["uid"];
  annotations["kubernetes.io/config.source"] = "file";
  annotations["kubernetes.io/config.seen"] = NowRfc3339();
  pod["spec"]["nodeName"] = node_name;
  AddNoExecuteToleration(pod["spec"]);
  if (!pod.contains("status") || !pod["status"].is_object()) pod["status"] = json::object();
  pod["status"]["phase"] = "Pending";
  return pod;
}

bool IsManifestName(const fs::path& file) {
  std::string extension = file.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return extension == ".yaml" || extension == ".yml" || extension == ".json";
}

std::vector<fs::path> ManifestFiles(const fs::path& dir, StaticPodScan& scan) {
  std::error_code error;
  fs::file_status status = fs::status(dir, error);
  if (status.type() == fs::file_type::not_found) return {};
  if (error) {
    scan.errors.push_back(dir.string() + ": " + error.message());
    return {};
  }
  if (fs::is_regular_file(status)) return {dir};
  if (!fs::is_directory(status)) {
    scan.errors.push_back(dir.string() + ": not a directory or a file");
    return {};
  }
  std::vector<fs::path> files;
  fs::directory_iterator entries(dir, error);
  for (; !error && entries != fs::directory_iterator(); entries.increment(error)) {
    fs::path file = entries->path();
    if (file.filename().string().rfind('.', 0) == 0) continue;  // editors' swap files and the like
    if (IsManifestName(file)) files.push_back(file);
  }
  if (error) scan.errors.push_back(dir.string() + ": " + error.message());
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  return files;
}

std::string ReadManifest(const fs::path& file) {
  std::error_code error;
  fs::file_status status = fs::status(file, error);
  if (error) throw std::runtime_error(file.string() + ": " + error.message());
  if (!fs::is_regular_file(status)) throw std::runtime_error(file.string() + ": not a regular file");
  uintmax_t size = fs::file_size(file, error);
  if (error) throw std::runtime_error(file.string() + ": " + error.message());
  if (size > kMaxManifestBytes) throw std::runtime_error(file.string() + ": larger than 10 MiB");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(file.string() + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

json StaticPodFromManifest(const std::string& text, const std::string& source, const std::string& node_name) {
  if (node_name.empty()) throw std::runtime_error(source + ": no node name to give the pod");
  if (text.size() > kMaxManifestBytes) throw std::runtime_error(source + ": larger than 10 MiB");
  json manifest = ParseYamlDocument(text, source);
  try {
    return FilePod(manifest, source, node_name);
  } catch (const std::invalid_argument& error) {
    throw std::runtime_error(source + ": " + error.what());
  }
}

StaticPodScan ReadStaticPods(const fs::path& dir, const std::string& node_name) {
  StaticPodScan scan;
  // namespace/name of each pod loaded so far -> its file: the kubelet refuses a second pod
  // with the same full name, which would otherwise fight the first over one sandbox.
  std::map<std::string, std::string> loaded;
  for (const fs::path& file : ManifestFiles(dir, scan)) {
    try {
      json pod = StaticPodFromManifest(ReadManifest(file), file.string(), node_name);
      std::string full_name = pod["metadata"]["namespace"].get<std::string>() + "/" +
                              pod["metadata"]["name"].get<std::string>();
      auto [first, inserted] = loaded.emplace(full_name, file.string());
      if (!inserted) {
        throw std::runtime_error(file.string() + ": metadata.name: Duplicate value: \"" + full_name +
                                 "\" (also in " + first->second + ")");
      }
      scan.pods.push_back(std::move(pod));
    } catch (const std::exception& error) {
      scan.errors.push_back(error.what());
    }
  }
  return scan;
}

}  // namespace hostlet::agent
