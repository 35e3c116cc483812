#include "kubelet/network/result.h"

#include "kubelet/network/error.h"
#include "kubelet/network/spec_version.h"

#include <arpa/inet.h>

#include <charconv>
#include <optional>

namespace hostlet::network {
namespace {

using nlohmann::json;

constexpr std::string_view kResultVersions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};

[[noreturn]] void Bad(const std::string& what) {
  throw Error(kCniDecodeFailure, "invalid result: " + what);
}

// 4 or 6 for an address, nullopt for anything else.
std::optional<int> AddressFamily(const std::string& address) {
  unsigned char buffer[16];
  if (inet_pton(AF_INET, address.c_str(), buffer) == 1) return 4;
  if (inet_pton(AF_INET6, address.c_str(), buffer) == 1) return 6;
  return std::nullopt;
}

std::optional<int> CidrFamily(const std::string& cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto family = AddressFamily(cidr.substr(0, slash));
  int prefix = -1;
  const char* begin = cidr.data() + slash + 1;
  const char* end = cidr.data() + cidr.size();
  auto [at, error] = std::from_chars(begin, end, prefix);
  if (!family || error != std::errc() || at != end || begin == end || prefix < 0 ||
      prefix > (*family == 4 ? 32 : 128)) {
    return std::nullopt;
  }
  return family;
}

const json* ArrayField(const json& object, const char* key, const std::string& where) {
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) return nullptr;
  if (!found->is_array()) Bad(where + key + " is not an array");
  return &*found;
}

void CheckOptionalString(const json& object, const char* key, const std::string& where) {
  auto found = object.find(key);
  if (found != object.end() && !found->is_string()) Bad(where + key + " is not a string");
}

void CheckInterfaces(const json& result) {
  const json* interfaces = ArrayField(result, "interfaces", "");
  if (interfaces == nullptr) return;
  for (size_t i = 0; i < interfaces->size(); ++i) {
    const json& interface = (*interfaces)[i];
    std::string where = "interfaces[" + std::to_string(i) + "]";
    if (!interface.is_object()) Bad(where + " is not an object");
    auto name = interface.find("name");
    if (name == interface.end() || !name->is_string() || name->get<std::string>().empty()) {
      Bad(where + ".name is not a non-empty string");
    }
    CheckOptionalString(interface, "mac", where + ".");
    CheckOptionalString(interface, "sandbox", where + ".");
  }
}

void CheckIps(json& result) {
  const json* interfaces = ArrayField(result, "interfaces", "");
  const size_t interface_count = interfaces != nullptr ? interfaces->size() : 0;
  if (ArrayField(result, "ips", "") == nullptr) return;
  json& ips = result["ips"];
  for (size_t i = 0; i < ips.size(); ++i) {
    json& ip = ips[i];
    std::string where = "ips[" + std::to_string(i) + "]";
    if (!ip.is_object()) Bad(where + " is not an object");
    auto address = ip.find("address");
    if (address == ip.end() || !address->is_string() || !CidrFamily(address->get<std::string>())) {
      Bad(where + ".address is not an address with prefix length (CIDR)");
    }
    if (auto gateway = ip.find("gateway"); gateway != ip.end()) {
      if (!gateway->is_string() || !AddressFamily(gateway->get<std::string>())) {
        Bad(where + ".gateway is not an address");
      }
    }
    if (auto index = ip.find("interface"); index != ip.end() && !index->is_null()) {
      if (!index->is_number_integer() || index->get<long long>() < 0 ||
          static_cast<size_t>(index->get<long long>()) >= interface_count) {
        Bad(where + ".interface is not the index of one of the " + std::to_string(interface_count) +
            " interfaces");
      }
    }
  }
}

void CheckRoutesAndDns(const json& result) {
  if (const json* routes = ArrayField(result, "routes", "")) {
    for (size_t i = 0; i < routes->size(); ++i) {
      const json& route = (*routes)[i];
      std::string where = "routes[" + std::to_string(i) + "]";
      if (!route.is_object()) Bad(where + " is not an object");
      auto dst = route.find("dst");
      if (dst == route.end() || !dst->is_string() || !CidrFamily(dst->get<std::string>())) {
        Bad(where + ".dst is not a CIDR");
      }
    }
  }
  if (auto dns = result.find("dns"); dns != result.end() && !dns->is_null() && !dns->is_object()) {
    Bad("dns is not an object");
  }
}

}  // namespace

json NormalizeResult(const json& input, const std::string& version) {
  if (!input.is_object()) Bad("not a JSON object");
  json result = input;
  auto found = result.find("cniVersion");
  if (found == result.end() || !found->is_string()) Bad("cniVersion is missing");
  const std::string from = found->get<std::string>();
  bool known = false;
  for (std::string_view candidate : kResultVersions) known = known || candidate == from;
  if (!known) Bad("cniVersion \"" + from + "\" is not a result version this manager reads");
  CheckInterfaces(result);
  CheckIps(result);
  CheckRoutesAndDns(result);

  const bool to_legacy = !AtLeast(version, "1.0.0");
  if (auto ips = result.find("ips"); ips != result.end() && ips->is_array()) {
    for (json& ip : *ips) {
      if (to_legacy) {
        ip["version"] = *CidrFamily(ip["address"].get<std::string>()) == 4 ? "4" : "6";
      } else {
        ip.erase("version");
      }
    }
  }
  result["cniVersion"] = version;
  return result;
}

}  // namespace hostlet::network
