#include "kubelet/apiclient/kubeconfig.h"

#include "kubelet/network/base64.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace hostlet::apiclient {
namespace {

// Every error names the kubeconfig first, so a user with several knows which one to fix.
class Reader {
 public:
  explicit Reader(std::filesystem::path file) : file_(std::move(file)) {}

  [[noreturn]] void Fail(const std::string& what) const {
    throw std::runtime_error(file_.string() + ": " + what);
  }

  YAML::Node Parse() const {
    std::string text = ReadWhole(file_, "");
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& error) {
      Fail("not valid YAML: " + std::string(error.what()));
    }
    if (!root.IsMap()) Fail("not a kubeconfig (expected a mapping at the top level)");
    return root;
  }

  // The string at `key` of `map`, "" when absent or null. `field` is what an error calls it.
  std::string String(const YAML::Node& map, const char* key, const std::string& field) const {
    YAML::Node node = map[key];
    if (!node || node.IsNull()) return "";
    if (!node.IsScalar()) Fail(field + ": expected a string");
    return node.as<std::string>();
  }

  bool Bool(const YAML::Node& map, const char* key, const std::string& field) const {
    YAML::Node node = map[key];
    if (!node || node.IsNull()) return false;
    try {
      return node.as<bool>();
    } catch (const YAML::Exception&) {
      Fail(field + ": expected true or false");
    }
  }

  // The entry of the named list (clusters, users, contexts) called `name`, as kubectl finds it:
  // `- name: x` with the value under `value_key`.
  YAML::Node Entry(const YAML::Node& root, const char* list, const char* value_key,
                   const std::string& name, const std::string& wanted_by) const {
    YAML::Node entries = root[list];
    if (entries && !entries.IsNull() && !entries.IsSequence())
      Fail(std::string(list) + ": expected a list");
    if (entries) {
      for (const YAML::Node& entry : entries) {
        if (!entry.IsMap() || !entry["name"] || !entry["name"].IsScalar() ||
            entry["name"].as<std::string>() != name) {
          continue;
        }
        YAML::Node value = entry[value_key];
        if (!value || !value.IsMap()) {
          Fail(std::string(list) + "[" + name + "]." + value_key + ": missing");
        }
        return value;
      }
    }
    Fail(std::string(list) + ": no entry named \"" + name + "\" (" + wanted_by + ")");
  }

  // Inline base64 data wins over a file, as in client-go.
  std::string DataOrFile(const YAML::Node& map, const std::string& prefix, const char* data_key,
                         const char* file_key) const {
    std::string data = String(map, data_key, prefix + data_key);
    if (!data.empty()) {
      // YAML folds a long plain scalar's line breaks into spaces; base64 ignores them.
      std::string compact;
      for (char c : data) {
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') compact += c;
      }
      std::optional<std::string> bytes = network::Base64Decode(compact);
      if (!bytes) Fail(prefix + data_key + ": not valid base64");
      return *bytes;
    }
    std::string path = String(map, file_key, prefix + file_key);
    if (path.empty()) return "";
    return ReadWhole(Resolve(path), prefix + file_key);
  }

  // Relative paths in a kubeconfig are relative to the kubeconfig's directory, not the cwd.
  std::filesystem::path Resolve(const std::string& path) const {
    std::filesystem::path named(path);
    return named.is_absolute() ? named : file_.parent_path() / named;
  }

  std::string ReadWhole(const std::filesystem::path& path, const std::string& field) const {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      if (field.empty()) Fail(std::string("cannot read: ") + std::strerror(errno));
      Fail(field + ": cannot read " + path.string() + ": " + std::strerror(errno));
    }
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::filesystem::path file_;
};

std::string Trim(std::string text) {
  const char* space = " \t\r\n";
  text.erase(text.find_last_not_of(space) + 1);
  text.erase(0, text.find_first_not_of(space));
  return text;
}

Kubeconfig Load(const Reader& reader) {
  YAML::Node root = reader.Parse();
  Kubeconfig config;

  std::string context_name = reader.String(root, "current-context", "current-context");
  if (context_name.empty()) reader.Fail("current-context: not set");
  YAML::Node context =
      reader.Entry(root, "contexts", "context", context_name, "the current-context");
  const std::string context_field = "contexts[" + context_name + "].context.";

  std::string cluster_name = reader.String(context, "cluster", context_field + "cluster");
  if (cluster_name.empty()) reader.Fail(context_field + "cluster: not set");
  YAML::Node cluster = reader.Entry(root, "clusters", "cluster", cluster_name,
                                    "the cluster of context \"" + context_name + "\"");
  const std::string cluster_field = "clusters[" + cluster_name + "].cluster.";
  config.server = reader.String(cluster, "server", cluster_field + "server");
  if (config.server.empty()) reader.Fail(cluster_field + "server: not set");
  if (!config.server.starts_with("https://") && !config.server.starts_with("http://")) {
    reader.Fail(cluster_field + "server: \"" + config.server + "\" is not an http(s) URL");
  }
  config.certificate_authority_pem = reader.DataOrFile(
      cluster, cluster_field, "certificate-authority-data", "certificate-authority");
  config.insecure_skip_tls_verify =
      reader.Bool(cluster, "insecure-skip-tls-verify", cluster_field + "insecure-skip-tls-verify");

  // A context without a user talks to the server anonymously.
  std::string user_name = reader.String(context, "user", context_field + "user");
  if (user_name.empty()) return config;
  YAML::Node user = reader.Entry(root, "users", "user", user_name,
                                 "the user of context \"" + context_name + "\"");
  const std::string user_field = "users[" + user_name + "].user.";
  config.token = reader.String(user, "token", user_field + "token");
  if (config.token.empty()) {
    std::string token_file = reader.String(user, "tokenFile", user_field + "tokenFile");
    if (!token_file.empty()) {
      config.token = Trim(reader.ReadWhole(reader.Resolve(token_file), user_field + "tokenFile"));
      if (config.token.empty()) reader.Fail(user_field + "tokenFile: " + token_file + " is empty");
    }
  }
  config.client_certificate_pem =
      reader.DataOrFile(user, user_field, "client-certificate-data", "client-certificate");
  config.client_key_pem = reader.DataOrFile(user, user_field, "client-key-data", "client-key");
  if (config.client_certificate_pem.empty() != config.client_key_pem.empty()) {
    reader.Fail(user_field + (config.client_key_pem.empty() ? "client-key" : "client-certificate") +
                ": missing (a client certificate needs both the certificate and its key)");
  }
  return config;
}

}  // namespace

Kubeconfig LoadKubeconfig(const std::filesystem::path& file) {
  Reader reader(file);
  try {
    return Load(reader);
  } catch (const YAML::Exception& error) {
    // A node of an unexpected shape somewhere the checks above did not look.
    reader.Fail(error.what());
  }
}

}  // namespace hostlet::apiclient
