// host-local IPAM in process: what the reference host-local binary does for ADD, DEL and CHECK,
// plus GC and STATUS from spec 1.1, on the same store, under the same lock.
#pragma once

#include "plugins/cni/bridge/host_local/ipam_config.h"
#include "plugins/cni/bridge/host_local/store.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <vector>

namespace hostlet::bridge::host_local {

struct IpamIp {
  IpNet address;
  std::optional<IpAddress> gateway;
};

struct IpamResult {
  std::vector<IpamIp> ips;  // one per range set, in configuration order
  std::vector<Route> routes;
  nlohmann::json dns;  // null when resolvConf is not set
};

class HostLocal {
 public:
  explicit HostLocal(IpamConfig config);

  // One address per range set. Either all are reserved or none (CniError).
  IpamResult Allocate(const Attachment& attachment);
  // Releases the attachment's addresses, if any; returns them.
  std::vector<IpAddress> Release(const Attachment& attachment);
  // Releases those of `addresses` the attachment holds: what one Allocate reserved, and nothing
  // an earlier one did.
  void GiveBack(const Attachment& attachment, const std::vector<IpamIp>& addresses);
  // Throws CniError unless the attachment holds an address.
  void CheckHeld(const Attachment& attachment);
  // Releases every allocation whose attachment is not in `valid`; returns what it released.
  std::vector<IpAddress> GarbageCollect(const std::set<Attachment>& valid);
  // Throws CniError kCniNotAvailable when the store cannot be used or a range set has no free
  // address left, so an ADD would fail.
  void CheckAvailable();

 private:
  IpamConfig config_;
  Store store_;
};

}  // namespace hostlet::bridge::host_local
