#include "plugins/cni/bridge/net_conf.h"

#include "plugins/cni/bridge/cni_args.h"
#include "plugins/cni/bridge/mac_address.h"

#include <algorithm>
#include <cctype>
#include <system_error>

namespace hostlet::bridge {
namespace {

using nlohmann::json;

[[noreturn]] void Invalid(const std::string& message) {
  throw CniError(kCniInvalidConfig, message);
}

const json* Find(const json& object, const char* key) {
  auto found = object.find(key);
  return found == object.end() || found->is_null() ? nullptr : &*found;
}

bool Bool(const json& config, const char* key) {
  const json* value = Find(config, key);
  if (value == nullptr) return false;
  if (!value->is_boolean()) Invalid(std::string("\"") + key + "\" must be a boolean");
  return value->get<bool>();
}

int Integer(const json& config, const char* key, int low, int high) {
  const json* value = Find(config, key);
  if (value == nullptr) return 0;
  if (!value->is_number_integer() || value->get<int64_t>() < low || value->get<int64_t>() > high) {
    Invalid(std::string("\"") + key + "\" must be an integer from " + std::to_string(low) + " to " +
            std::to_string(high));
  }
  return value->get<int>();
}

std::string String(const json& config, const char* key, const std::string& fallback = {}) {
  const json* value = Find(config, key);
  if (value == nullptr) return fallback;
  if (!value->is_string()) Invalid(std::string("\"") + key + "\" must be a string");
  return value->get<std::string>();
}

// The spec's rule for container IDs and network names: an alphanumeric first character, then
// alphanumerics, '_', '.' or '-'.
bool IsSpecIdentifier(const std::string& text) {
  if (text.empty() || !std::isalnum(static_cast<unsigned char>(text[0]))) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

std::string Mac(const std::string& where, const std::string& text) {
  auto mac = CanonicalMac(text);
  if (!mac) Invalid(where + ": \"" + text + "\" is not a unicast MAC address");
  return *mac;
}

void CheckVersion(const std::string& version) {
  const auto& supported = SupportedVersions();
  if (std::find(supported.begin(), supported.end(), version) != supported.end()) return;
  std::string list;
  for (const auto& each : supported) list += (list.empty() ? "\"" : " \"") + each + "\"";
  throw CniError(kCniIncompatibleVersion, "incompatible CNI versions; config is \"" + version +
                                              "\", plugin supports [" + list + "]");
}

}  // namespace

const std::vector<std::string>& SupportedVersions() {
  static const std::vector<std::string> versions = {"0.4.0", "1.0.0", "1.1.0"};
  return versions;
}

NetConf ParseNetConf(const CniRequest& request) {
  const json& config = request.config;
  NetConf conf;
  conf.cni_version = request.cni_version();
  CheckVersion(conf.cni_version);
  conf.name = String(config, "name");
  if (!IsSpecIdentifier(conf.name)) {
    Invalid(
        "network \"name\" must start with a letter or digit, followed by letters, digits, "
        "'_', '.' or '-'; got \"" +
        conf.name + "\"");
  }
  conf.bridge = String(config, "bridge", conf.bridge);
  if (conf.bridge.empty() || conf.bridge.size() > 15 ||
      conf.bridge.find_first_of("/: \t\n") != std::string::npos) {
    Invalid("\"bridge\" must be an interface name of 1 to 15 characters");
  }
  conf.is_default_gateway = Bool(config, "isDefaultGateway");
  conf.is_gateway = Bool(config, "isGateway") || conf.is_default_gateway;
  conf.force_address = Bool(config, "forceAddress");
  conf.ip_masq = Bool(config, "ipMasq");
  conf.mtu = static_cast<unsigned>(Integer(config, "mtu", 0, 65535));
  conf.hairpin_mode = Bool(config, "hairpinMode");
  conf.promisc_mode = Bool(config, "promiscMode");
  if (conf.hairpin_mode && conf.promisc_mode) {
    Invalid("cannot set hairpin mode and promiscuous mode at the same time");
  }
  conf.vlan = Integer(config, "vlan", 0, 4094);

  if (auto mac = CniArg(request.args, "MAC")) conf.mac = Mac("CNI_ARGS MAC", *mac);
  if (const json* args = Find(config, "args"); args != nullptr && args->is_object()) {
    if (const json* cni = Find(*args, "cni"); cni != nullptr && cni->is_object()) {
      if (std::string mac = String(*cni, "mac"); !mac.empty()) conf.mac = Mac("args.cni.mac", mac);
    }
  }
  if (const json* runtime = Find(config, "runtimeConfig"); runtime != nullptr) {
    if (!runtime->is_object()) Invalid("\"runtimeConfig\" must be an object");
    if (std::string mac = String(*runtime, "mac"); !mac.empty()) {
      conf.mac = Mac("runtimeConfig.mac", mac);
    }
  }

  if (const json* ipam = Find(config, "ipam"); ipam != nullptr) {
    if (!ipam->is_object()) Invalid("\"ipam\" must be an object");
    conf.ipam_type = String(*ipam, "type");
    if (!conf.ipam_type.empty() && conf.ipam_type != "host-local") {
      throw CniError(kCniUnsupportedField,
                     "unsupported field \"ipam.type\": \"" + conf.ipam_type +
                         "\"; this plugin allocates addresses itself, with host-local");
    }
  }
  if (const json* dns = Find(config, "dns"); dns != nullptr) {
    if (!dns->is_object()) Invalid("\"dns\" must be an object");
    conf.dns = *dns;
  }
  return conf;
}

void CheckAttachmentNames(const CniRequest& request) {
  if (!IsSpecIdentifier(request.container_id)) {
    throw CniError(kCniInvalidEnvironment,
                   "CNI_CONTAINERID \"" + request.container_id +
                       "\" must start with a letter or digit, followed by letters, digits, '_', "
                       "'.' or '-'");
  }
  const std::string& name = request.if_name;
  if (name.empty() || name.size() > 15 || name == "." || name == ".." ||
      std::any_of(name.begin(), name.end(), [](char c) {
        return c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c));
      })) {
    throw CniError(kCniInvalidEnvironment,
                   "CNI_IFNAME \"" + name + "\" is not a valid interface name");
  }
}

NetnsFile OpenPodNetns(const CniRequest& request) {
  const std::string where = "failed to open netns \"" + request.netns + "\": ";
  std::optional<NetnsFile> netns;
  try {
    netns = NetnsFile::Open(request.netns);
  } catch (const std::system_error& error) {
    throw CniError(kCniInvalidEnvironment, where + error.what());
  }
  if (!netns) throw CniError(kCniUnknownContainer, where + "no such file");
  return std::move(*netns);
}

}  // namespace hostlet::bridge
