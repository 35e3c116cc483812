// The "ipam" section of a host-local network, read the way the reference host-local plugin reads
// it: range sets (plus the older single-range keys and runtimeConfig.ipRanges), routes, dataDir,
// resolvConf, and the addresses a caller asks for (CNI_ARGS IP=, args.cni.ips, runtimeConfig.ips).
#pragma once

#include "plugins/cni/bridge/ip_address.h"

#include <hostlet/sdk/network_plugin.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace hostlet::bridge::host_local {

// One range of a subnet: start and end inclusive; the gateway is never handed out.
struct Range {
  IpNet subnet;  // the network address with its prefix
  IpAddress start;
  IpAddress end;
  IpAddress gateway;

  bool Contains(const IpAddress& address) const;
  std::string ToString() const;  // "start-end"
};

// Ranges an attachment gets one address from, tried in order.
struct RangeSet {
  std::vector<Range> ranges;

  const Range* Find(const IpAddress& address) const;
  bool Contains(const IpAddress& address) const { return Find(address) != nullptr; }
  std::string ToString() const;  // "start-end,start-end"
};

struct Route {
  IpNet destination;
  std::optional<IpAddress> gateway;
};

inline constexpr char kDefaultDataDir[] = "/var/lib/cni/networks";

struct IpamConfig {
  std::string network;  // the network's name: its directory under data_dir
  std::string data_dir = kDefaultDataDir;
  std::vector<RangeSet> range_sets;
  std::vector<Route> routes;
  std::vector<IpAddress> requested;
  nlohmann::json dns;  // from resolvConf; null when none
};

// Parses the "ipam" section of `config` (the whole network configuration) and the caller's
// requested addresses; throws CniError kCniInvalidConfig with the reference plugin's wording.
IpamConfig ParseIpamConfig(const nlohmann::json& config, const std::string& cni_args);

}  // namespace hostlet::bridge::host_local
