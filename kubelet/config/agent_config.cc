#include "kubelet/config/agent_config.h"

#include "kubelet/volumes/quantity.h"

#include "kubelet/config/duration.h"
#include "kubelet/config/names.h"
#include "kubelet/config/yaml_json.h"

#include <arpa/inet.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>

namespace hostlet::agent {
namespace {

namespace fs = std::filesystem;

const char* const kApiVersions[] = {"hostlet.io/v1alpha1", "kubelet.config.k8s.io/v1beta1"};
constexpr const char* kKind = "KubeletConfiguration";

// What os.Hostname gives the upstream kubelet, lowercased and trimmed as it does.
std::string HostName() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  std::string host(name);
  host.erase(std::remove_if(host.begin(), host.end(), [](unsigned char c) { return std::isspace(c); }),
             host.end());
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  return host;
}

std::string ReadWholeFile(const fs::path& file) {
  // An ifstream opens a directory and reads nothing; say what is wrong instead of "no document".
  std::error_code ignored;
  if (fs::is_directory(file, ignored)) throw std::runtime_error(file.string() + ": is a directory");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(file.string() + ": cannot read: " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool IsIpAddress(const std::string& text) {
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 || inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

bool IsRuntimeEndpoint(const std::string& endpoint) {
  static const std::string kModule = "module:", kUnix = "unix://";
  if (endpoint.rfind(kModule, 0) == 0) {
    std::string name = endpoint.substr(kModule.size());
    return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
      return std::isalnum(c) || c == '-' || c == '_' || c == '.';
    });
  }
  return endpoint.rfind(kUnix, 0) == 0 && fs::path(endpoint.substr(kUnix.size())).is_absolute();
}

// Reads the fields of one document into a config, each error naming the file and the field.
class ConfigReader {
 public:
  explicit ConfigReader(const fs::path& file)
      : file_(file.string()), base_(fs::absolute(file).parent_path()) {}

  AgentConfig Read(const YAML::Node& document) {
    if (!document.IsMap()) Fail("expected a KubeletConfiguration object");
    // The type first: a Pod manifest passed by mistake is best told as "wrong kind", not as
    // its first unknown field.
    CheckType(document);
    config_.images_dir.clear();
    std::set<std::string> seen;
    for (const auto& entry : document) {
      if (!entry.first.IsScalar()) Fail("field names must be strings");
      const std::string& key = entry.first.Scalar();
      if (!seen.insert(key).second) Fail("duplicate field \"" + key + "\"");
      auto field = fields_.find(key);
      if (field == fields_.end()) Fail("unknown field \"" + key + "\"");
      field_ = key;
      field->second(this, entry.second);
    }
    field_.clear();
    if (config_.images_dir.empty()) config_.images_dir = config_.root_dir / "images";
    Validate();
    return config_;
  }

 private:
  using Setter = std::function<void(ConfigReader*, const YAML::Node&)>;

  [[noreturn]] void Fail(const std::string& what) const {
    throw std::runtime_error(file_ + ": " + what);
  }
  [[noreturn]] void FieldFail(const std::string& field, const std::string& what) const {
    Fail("field \"" + field + "\": " + what);
  }
  [[noreturn]] void FieldFail(const std::string& what) const { FieldFail(field_, what); }

  // apiVersion and kind are required, as the kubelet's decoder requires them.
  void CheckType(const YAML::Node& document) {
    std::string api_version, kind;
    field_ = "apiVersion";
    if (document["apiVersion"]) SetString(document["apiVersion"], &api_version);
    field_ = "kind";
    if (document["kind"]) SetString(document["kind"], &kind);
    if (api_version.empty()) FieldFail("apiVersion", "Required value");
    if (std::find(std::begin(kApiVersions), std::end(kApiVersions), api_version) == std::end(kApiVersions)) {
      FieldFail("apiVersion", "expected hostlet.io/v1alpha1 or kubelet.config.k8s.io/v1beta1, got \"" +
                                  api_version + "\"");
    }
    if (kind.empty()) FieldFail("kind", "Required value");
    if (kind != kKind) FieldFail("kind", "expected KubeletConfiguration, got \"" + kind + "\"");
  }

  void Validate() {
    AgentConfig& c = config_;
    std::transform(c.node_name.begin(), c.node_name.end(), c.node_name.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    if (!IsDns1123Subdomain(c.node_name)) {
      FieldFail("nodeName", "\"" + c.node_name + "\" is not a valid node name (an RFC 1123 subdomain)" +
                                (node_name_set_ ? "" : "; the host name is used when nodeName is not set"));
    }
    if (!IsRuntimeEndpoint(c.container_runtime_endpoint)) {
      FieldFail("containerRuntimeEndpoint",
                "expected module:<name> or unix:///<path>, got \"" + c.container_runtime_endpoint + "\"");
    }
    if (!IsIpAddress(c.address)) FieldFail("address", "expected an IP address, got \"" + c.address + "\"");
    if (c.max_pods <= 0) FieldFail("maxPods", "must be greater than 0");
    if (c.port < 0 || c.port > 65535) FieldFail("port", "must be between 0 and 65535");
    if (c.node_lease_duration_seconds <= 0) FieldFail("nodeLeaseDurationSeconds", "must be greater than 0");
    if (c.tls_cert_file.empty() != c.tls_private_key_file.empty()) {
      FieldFail(c.tls_cert_file.empty() ? "tlsCertFile" : "tlsPrivateKeyFile",
                "tlsCertFile and tlsPrivateKeyFile must be set together");
    }
    if (!ContainerLogMaxBytes(c)) {
      FieldFail("containerLogMaxSize", "expected a quantity such as 10Mi, got \"" +
                                           c.container_log_max_size + "\"");
    }
    if (c.container_log_max_files < 2) FieldFail("containerLogMaxFiles", "must be at least 2");
    for (const auto& [key, value] : c.node_labels) {
      if (!IsLabelKey(key)) FieldFail("nodeLabels", "\"" + key + "\" is not a valid label key");
      if (!IsLabelValue(value)) {
        FieldFail("nodeLabels", "\"" + value + "\" (for \"" + key + "\") is not a valid label value");
      }
    }
  }

  // Any scalar as written; null means "not set". Returns false when not set.
  bool Text(const YAML::Node& node, std::string* out) const {
    if (node.IsNull()) return false;
    if (!node.IsScalar()) FieldFail("expected a string");
    *out = node.Scalar();
    return !out->empty();
  }

  void SetString(const YAML::Node& node, std::string* out) const {
    std::string text;
    if (Text(node, &text)) *out = text;
  }

  fs::path Resolve(const std::string& text) const {
    fs::path path(text);
    return path.is_relative() ? (base_ / path).lexically_normal() : path;
  }

  void SetPath(const YAML::Node& node, fs::path* out) const {
    std::string text;
    if (Text(node, &text)) *out = Resolve(text);
  }

  void SetPathString(const YAML::Node& node, std::string* out) const {
    std::string text;
    if (Text(node, &text)) *out = Resolve(text).string();
  }

  void SetPaths(const YAML::Node& node, std::vector<fs::path>* out) const {
    if (node.IsNull()) return;
    if (!node.IsSequence()) FieldFail("expected a list of paths");
    out->clear();
    for (const YAML::Node& item : node) {
      if (!item.IsScalar() || item.Scalar().empty()) FieldFail("expected a list of paths");
      out->push_back(Resolve(item.Scalar()));
    }
  }

  long long Integer(const YAML::Node& node) const {
    nlohmann::json value;
    try {
      value = node.IsScalar() ? YamlToJson(node) : nlohmann::json();
    } catch (const std::runtime_error&) {
      FieldFail("expected an integer");
    }
    if (!value.is_number_integer() || (value.is_number_unsigned() && value.get<uint64_t>() > INT_MAX)) {
      FieldFail("expected an integer");
    }
    long long number = value.get<long long>();
    if (number < INT_MIN || number > INT_MAX) FieldFail("expected an integer");
    return number;
  }

  void SetInt(const YAML::Node& node, int* out) const {
    if (!node.IsNull()) *out = static_cast<int>(Integer(node));
  }

  void SetDuration(const YAML::Node& node, int* out) const {
    if (node.IsNull()) return;
    if (!node.IsScalar()) FieldFail("expected a duration like \"10s\" or \"1m30s\"");
    auto seconds = ParseDurationSeconds(node.Scalar());
    if (!seconds || *seconds > INT_MAX) {
      FieldFail("expected a duration of whole seconds like \"10s\" or \"1m30s\", got \"" + node.Scalar() + "\"");
    }
    if (*seconds == 0) FieldFail("must be greater than 0");
    *out = static_cast<int>(*seconds);
  }

  void SetStringMap(const YAML::Node& node, std::map<std::string, std::string>* out) const {
    if (node.IsNull()) return;
    if (!node.IsMap()) FieldFail("expected a map of strings");
    for (const auto& entry : node) {
      if (!entry.first.IsScalar() || (!entry.second.IsScalar() && !entry.second.IsNull())) {
        FieldFail("expected a map of strings");
      }
      std::string value = entry.second.IsNull() ? "" : entry.second.Scalar();
      if (!out->emplace(entry.first.Scalar(), value).second) {
        FieldFail("duplicate key \"" + entry.first.Scalar() + "\"");
      }
    }
  }

  // Each plugin's config is opaque here: the plugin's create() gets it as JSON text.
  void SetPluginConfig(const YAML::Node& node) {
    if (node.IsNull()) return;
    if (!node.IsMap()) FieldFail("expected a map of plugin name to its config");
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) FieldFail("expected a map of plugin name to its config");
      const std::string& name = entry.first.Scalar();
      std::string json;
      try {
        json = YamlToJson(entry.second).dump();
      } catch (const std::exception& error) {
        FieldFail(field_ + "." + name, error.what());
      }
      if (!config_.plugin_config.emplace(name, json).second) FieldFail("duplicate key \"" + name + "\"");
    }
  }

  static const std::map<std::string, Setter> fields_;

  std::string file_;
  fs::path base_;
  std::string field_;
  bool node_name_set_ = false;
  AgentConfig config_ = DefaultAgentConfig();
};

const std::map<std::string, ConfigReader::Setter> ConfigReader::fields_ = {
    // Read and checked by CheckType before the other fields.
    {"apiVersion", [](ConfigReader*, const YAML::Node&) {}},
    {"kind", [](ConfigReader*, const YAML::Node&) {}},
    {"nodeName",
     [](ConfigReader* r, const YAML::Node& n) {
       std::string name;
       if (r->Text(n, &name)) {
         r->config_.node_name = name;
         r->node_name_set_ = true;
       }
     }},
    {"kubeconfig", [](ConfigReader* r, const YAML::Node& n) { r->SetPath(n, &r->config_.kubeconfig); }},
    {"staticPodPath", [](ConfigReader* r, const YAML::Node& n) { r->SetPath(n, &r->config_.static_pod_path); }},
    {"rootDir", [](ConfigReader* r, const YAML::Node& n) { r->SetPath(n, &r->config_.root_dir); }},
    {"podLogsDir", [](ConfigReader* r, const YAML::Node& n) { r->SetPath(n, &r->config_.pod_logs_dir); }},
    {"containerRuntimeEndpoint",
     [](ConfigReader* r, const YAML::Node& n) { r->SetString(n, &r->config_.container_runtime_endpoint); }},
    {"pluginDirs", [](ConfigReader* r, const YAML::Node& n) { r->SetPaths(n, &r->config_.plugin_dirs); }},
    {"pluginConfig", [](ConfigReader* r, const YAML::Node& n) { r->SetPluginConfig(n); }},
    {"pluginSocketDir", [](ConfigReader* r, const YAML::Node& n) { r->SetPath(n, &r->config_.plugin_socket_dir); }},
    {"cniConfDir", [](ConfigReader* r, const YAML::Node& n) { r->SetPath(n, &r->config_.cni_conf_dir); }},
    {"cniBinDirs", [](ConfigReader* r, const YAML::Node& n) { r->SetPaths(n, &r->config_.cni_bin_dirs); }},
    {"cniCacheDir", [](ConfigReader* r, const YAML::Node& n) { r->SetPath(n, &r->config_.cni_cache_dir); }},
    {"imagesDir", [](ConfigReader* r, const YAML::Node& n) { r->SetPath(n, &r->config_.images_dir); }},
    {"cgroupRoot", [](ConfigReader* r, const YAML::Node& n) { r->SetString(n, &r->config_.cgroup_root); }},
    {"maxPods", [](ConfigReader* r, const YAML::Node& n) { r->SetInt(n, &r->config_.max_pods); }},
    {"address", [](ConfigReader* r, const YAML::Node& n) { r->SetString(n, &r->config_.address); }},
    {"port", [](ConfigReader* r, const YAML::Node& n) { r->SetInt(n, &r->config_.port); }},
    {"tlsCertFile", [](ConfigReader* r, const YAML::Node& n) { r->SetPathString(n, &r->config_.tls_cert_file); }},
    {"tlsPrivateKeyFile",
     [](ConfigReader* r, const YAML::Node& n) { r->SetPathString(n, &r->config_.tls_private_key_file); }},
    {"nodeStatusUpdateFrequency",
     [](ConfigReader* r, const YAML::Node& n) {
       r->SetDuration(n, &r->config_.node_status_update_frequency_seconds);
     }},
    {"nodeLeaseDurationSeconds",
     [](ConfigReader* r, const YAML::Node& n) { r->SetInt(n, &r->config_.node_lease_duration_seconds); }},
    {"syncFrequency", [](ConfigReader* r, const YAML::Node& n) { r->SetDuration(n, &r->config_.sync_frequency_seconds); }},
    {"nodeLabels", [](ConfigReader* r, const YAML::Node& n) { r->SetStringMap(n, &r->config_.node_labels); }},
    {"containerLogMaxSize",
     [](ConfigReader* r, const YAML::Node& n) { r->SetString(n, &r->config_.container_log_max_size); }},
    {"containerLogMaxFiles",
     [](ConfigReader* r, const YAML::Node& n) { r->SetInt(n, &r->config_.container_log_max_files); }},
    {"containerLogMonitorInterval",
     [](ConfigReader* r, const YAML::Node& n) {
       r->SetDuration(n, &r->config_.container_log_monitor_interval_seconds);
     }},
};

}  // namespace

std::optional<std::int64_t> ContainerLogMaxBytes(const AgentConfig& config) {
  return Value(config.container_log_max_size);
}

AgentConfig DefaultAgentConfig() {
  AgentConfig config;
  config.node_name = HostName();
  config.images_dir = config.root_dir / "images";
  return config;
}

AgentConfig LoadAgentConfig(const fs::path& file) {
  YAML::Node document = LoadYamlDocument(ReadWholeFile(file), file.string());
  return ConfigReader(file).Read(document);
}

}  // namespace hostlet::agent
