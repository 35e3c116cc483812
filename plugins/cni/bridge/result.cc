#include "plugins/cni/bridge/result.h"

#include <hostlet/sdk/network_plugin.h>

namespace hostlet::bridge {
namespace {

using nlohmann::json;

[[noreturn]] void Malformed(const std::string& what) {
  throw CniError(kCniDecodeFailure, "prevResult: " + what);
}

std::string Text(const json& object, const char* key) {
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) return {};
  if (!found->is_string()) Malformed(std::string("\"") + key + "\" is not a string");
  return found->get<std::string>();
}

std::optional<IpAddress> OptionalAddress(const json& object, const char* key) {
  std::string text = Text(object, key);
  if (text.empty()) return std::nullopt;
  auto address = IpAddress::Parse(text);
  if (!address) Malformed(std::string("invalid ") + key + " \"" + text + "\"");
  return address;
}

IpNet Prefix(const json& object, const char* key) {
  std::string text = Text(object, key);
  auto prefix = IpNet::Parse(text);
  if (!prefix) Malformed(std::string("invalid ") + key + " \"" + text + "\"");
  return *prefix;
}

const json& List(const json& object, const char* key) {
  static const json empty = json::array();
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) return empty;
  if (!found->is_array()) Malformed(std::string("\"") + key + "\" is not a list");
  return *found;
}

}  // namespace

json ToJson(const Result& result, const std::string& cni_version) {
  json out = {{"cniVersion", cni_version}};
  json interfaces = json::array();
  for (const auto& interface : result.interfaces) {
    json entry = {{"name", interface.name}};
    if (!interface.mac.empty()) entry["mac"] = interface.mac;
    if (!interface.sandbox.empty()) entry["sandbox"] = interface.sandbox;
    interfaces.push_back(entry);
  }
  out["interfaces"] = interfaces;
  json ips = json::array();
  for (const auto& ip : result.ips) {
    json entry = {{"address", ip.address.ToString()}};
    if (cni_version == "0.4.0") entry["version"] = ip.address.address().is_v4() ? "4" : "6";
    if (ip.gateway) entry["gateway"] = ip.gateway->ToString();
    if (ip.interface) entry["interface"] = *ip.interface;
    ips.push_back(entry);
  }
  out["ips"] = ips;
  json routes = json::array();
  for (const auto& route : result.routes) {
    json entry = {{"dst", route.destination.ToString()}};
    if (route.gateway) entry["gw"] = route.gateway->ToString();
    routes.push_back(entry);
  }
  if (!routes.empty()) out["routes"] = routes;
  out["dns"] = result.dns;
  return out;
}

Result ParseResult(const json& in) {
  if (!in.is_object()) Malformed("not an object");
  Result result;
  for (const json& entry : List(in, "interfaces")) {
    if (!entry.is_object()) Malformed("an interface is not an object");
    result.interfaces.push_back({Text(entry, "name"), Text(entry, "mac"), Text(entry, "sandbox")});
  }
  for (const json& entry : List(in, "ips")) {
    if (!entry.is_object()) Malformed("an ip is not an object");
    ResultIp ip{Prefix(entry, "address"), OptionalAddress(entry, "gateway"), std::nullopt};
    if (auto index = entry.find("interface"); index != entry.end() && !index->is_null()) {
      if (!index->is_number_integer()) Malformed("\"interface\" is not an integer");
      ip.interface = index->get<int>();
    }
    result.ips.push_back(ip);
  }
  for (const json& entry : List(in, "routes")) {
    if (!entry.is_object()) Malformed("a route is not an object");
    result.routes.push_back({Prefix(entry, "dst"), OptionalAddress(entry, "gw")});
  }
  if (auto dns = in.find("dns"); dns != in.end() && dns->is_object()) result.dns = *dns;
  return result;
}

}  // namespace hostlet::bridge
