// The CNI result, both ways: printed by ADD in the configuration's cniVersion, and read back
// from prevResult by CHECK.
#pragma once

#include "plugins/cni/bridge/ip_address.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace hostlet::bridge {

struct ResultInterface {
  std::string name;
  std::string mac;
  std::string sandbox;  // "" for host interfaces
};

struct ResultIp {
  IpNet address;
  std::optional<IpAddress> gateway;
  std::optional<int> interface;  // index into interfaces
};

struct ResultRoute {
  IpNet destination;
  std::optional<IpAddress> gateway;
};

struct Result {
  std::vector<ResultInterface> interfaces;
  std::vector<ResultIp> ips;
  std::vector<ResultRoute> routes;
  nlohmann::json dns = nlohmann::json::object();
};

// `result` as the spec prints it for `cni_version` (0.4.0 adds each address's "version").
nlohmann::json ToJson(const Result& result, const std::string& cni_version);

// Reads a prevResult; throws CniError kCniDecodeFailure when it is not a result.
Result ParseResult(const nlohmann::json& json);

}  // namespace hostlet::bridge
