// Network configuration lists as the CNI spec defines them, parsed and validated. Every refusal
// is an Error naming where the configuration came from and the field at fault.
#pragma once

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

namespace hostlet::network {

// One element of a list's "plugins".
struct PluginConfig {
  std::string type;
  std::set<std::string> capabilities;  // those the plugin declares true
  nlohmann::json raw;                  // the object as written, passed on to the plugin
};

struct NetworkConfigList {
  std::string name;
  std::string cni_version;  // the one in force, chosen from cniVersion and cniVersions
  bool disable_check = false;
  bool disable_gc = false;
  std::vector<PluginConfig> plugins;
  std::string bytes;   // the configuration exactly as read; what the result cache keeps
  std::string source;  // where it was read, for messages
};

// A configuration list (.conflist). Throws Error: kCniInvalidConfig for a malformed list, and
// kCniIncompatibleVersion for a version this manager does not speak.
NetworkConfigList ParseConfigList(std::string bytes, const std::string& source);

// A single plugin's configuration (.conf, .json), wrapped as a list of one as libcni does; the
// list's bytes are the wrapped form.
NetworkConfigList ParseSingleConfig(const std::string& bytes, const std::string& source);

// Whether `name` is a valid network name or container ID: [a-zA-Z0-9][a-zA-Z0-9_.-]*.
bool IsValidName(std::string_view name);

}  // namespace hostlet::network
