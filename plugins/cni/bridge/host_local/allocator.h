// Picks an address from a range set the way the reference host-local does: round robin, starting
// after the address last handed out from the set, so a container that crash-loops does not get
// the address it just released until the whole set has been gone through.
#pragma once

#include "plugins/cni/bridge/host_local/ipam_config.h"
#include "plugins/cni/bridge/host_local/store.h"

#include <optional>

namespace hostlet::bridge::host_local {

struct Allocation {
  IpNet address;  // with the subnet's prefix
  IpAddress gateway;
};

// Reserves one address of `set` (number `index` in the configuration) for `attachment`, or
// `requested` when given. The store's lock must be held. Throws CniError when the attachment
// already holds an address of the set, the requested one is not available, or the set is
// exhausted; messages follow the reference plugin's.
Allocation Allocate(Store& store, const RangeSet& set, int index, const Attachment& attachment,
                    const std::optional<IpAddress>& requested);

}  // namespace hostlet::bridge::host_local
