#include "kubelet/network/config.h"

#include "kubelet/network/error.h"
#include "kubelet/network/spec_version.h"

#include <cctype>

namespace hostlet::network {
namespace {

using nlohmann::json;

[[noreturn]] void Invalid(const std::string& source, const std::string& field,
                          const std::string& problem) {
  throw Error(kCniInvalidConfig, source + ": field \"" + field + "\" " + problem);
}

json ParseObject(const std::string& bytes, const std::string& source) {
  json parsed;
  try {
    parsed = json::parse(bytes);
  } catch (const json::parse_error& error) {
    throw Error(kCniInvalidConfig, source + ": not valid JSON: " + error.what());
  }
  if (!parsed.is_object()) throw Error(kCniInvalidConfig, source + ": not a JSON object");
  return parsed;
}

// libcni accepts booleans and the strings "true" and "false" in any case.
bool ReadFlag(const json& list, const char* key, const std::string& source) {
  auto found = list.find(key);
  if (found == list.end()) return false;
  if (found->is_boolean()) return found->get<bool>();
  if (found->is_string()) {
    std::string text = found->get<std::string>();
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (text == "true") return true;
    if (text == "false") return false;
  }
  Invalid(source, key, "must be true or false");
}

// The version in force: the highest supported one among cniVersion and cniVersions (1.1.0).
std::string ChooseVersion(const json& list, const std::string& source) {
  std::vector<std::string> offered;
  if (auto found = list.find("cniVersion"); found != list.end()) {
    if (!found->is_string()) Invalid(source, "cniVersion", "must be a string");
    offered.push_back(found->get<std::string>());
  }
  if (auto found = list.find("cniVersions"); found != list.end()) {
    if (!found->is_array()) Invalid(source, "cniVersions", "must be an array of strings");
    for (size_t i = 0; i < found->size(); ++i) {
      if (!(*found)[i].is_string()) {
        Invalid(source, "cniVersions[" + std::to_string(i) + "]", "must be a string");
      }
      offered.push_back((*found)[i].get<std::string>());
    }
  }
  if (offered.empty()) Invalid(source, "cniVersion", "is missing");
  std::string chosen;
  for (const std::string& version : offered) {
    if (!ParseVersion(version))
      Invalid(source, "cniVersion", "\"" + version + "\" is not a version");
    if (IsSpecVersion(version) && (chosen.empty() || AtLeast(version, chosen))) chosen = version;
  }
  if (chosen.empty()) {
    std::string list_text;
    for (const std::string& version : offered)
      list_text += (list_text.empty() ? "" : ", ") + version;
    throw Error(kCniIncompatibleVersion, source + ": CNI version " + list_text +
                                             " is not supported (supported: " + SpecVersionList() +
                                             ")");
  }
  return chosen;
}

// `prefix` locates the plugin's fields in the file: "plugins[1]." in a list, "" in a single one.
PluginConfig ParsePlugin(const json& raw, const std::string& source, const std::string& prefix) {
  if (!raw.is_object()) Invalid(source, prefix.substr(0, prefix.size() - 1), "must be an object");
  PluginConfig plugin;
  auto type = raw.find("type");
  if (type == raw.end() || !type->is_string() || type->get<std::string>().empty()) {
    Invalid(source, prefix + "type", "must be a non-empty string");
  }
  plugin.type = type->get<std::string>();
  // The type names an executable in the bin dirs: never a path.
  if (plugin.type.find('/') != std::string::npos || plugin.type == "." || plugin.type == "..") {
    Invalid(source, prefix + "type", "\"" + plugin.type + "\" is not a plugin name");
  }
  if (auto capabilities = raw.find("capabilities"); capabilities != raw.end()) {
    if (!capabilities->is_object()) Invalid(source, prefix + "capabilities", "must be an object");
    for (const auto& [name, enabled] : capabilities->items()) {
      if (!enabled.is_boolean()) {
        Invalid(source, prefix + "capabilities." + name, "must be true or false");
      }
      if (enabled.get<bool>()) plugin.capabilities.insert(name);
    }
  }
  plugin.raw = raw;
  return plugin;
}

}  // namespace

bool IsValidName(std::string_view name) {
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

NetworkConfigList ParseConfigList(std::string bytes, const std::string& source) {
  json list = ParseObject(bytes, source);
  NetworkConfigList result;
  auto name = list.find("name");
  if (name == list.end() || !name->is_string()) Invalid(source, "name", "must be a string");
  result.name = name->get<std::string>();
  if (!IsValidName(result.name)) {
    Invalid(source, "name", "\"" + result.name + "\" must match [a-zA-Z0-9][a-zA-Z0-9_.-]*");
  }
  result.cni_version = ChooseVersion(list, source);
  result.disable_check = ReadFlag(list, "disableCheck", source);
  result.disable_gc = ReadFlag(list, "disableGC", source);
  auto plugins = list.find("plugins");
  if (plugins == list.end() || !plugins->is_array() || plugins->empty()) {
    Invalid(source, "plugins", "must be a non-empty array");
  }
  for (size_t i = 0; i < plugins->size(); ++i) {
    result.plugins.push_back(
        ParsePlugin((*plugins)[i], source, "plugins[" + std::to_string(i) + "]."));
  }
  result.bytes = std::move(bytes);
  result.source = source;
  return result;
}

NetworkConfigList ParseSingleConfig(const std::string& bytes, const std::string& source) {
  json plugin = ParseObject(bytes, source);
  // Checked before wrapping, so that errors name the fields as they are in the file.
  ParsePlugin(plugin, source, "");
  json list = {{"plugins", json::array({plugin})}};
  for (const char* key : {"name", "cniVersion", "cniVersions"}) {
    if (plugin.contains(key)) list[key] = plugin[key];
  }
  return ParseConfigList(list.dump(), source);
}

}  // namespace hostlet::network
