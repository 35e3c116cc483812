// ipMasq: source NAT for a pod's traffic leaving its subnets.
//
// This uses iptables (through iptables-restore, so each change is one atomic batch), not nft:
// the rules are laid out exactly as the reference bridge plugin lays them out — a chain per
// attachment in the nat table, named and commented from the network name and container ID (see
// names.h), jumped to from POSTROUTING — so either plugin tears down the other's rules, and the
// tools operators already use to inspect CNI masquerading show them. On hosts where iptables is
// the nft variant, the rules land in nftables all the same.
#pragma once

#include "plugins/cni/bridge/ip_address.h"

#include <set>
#include <string>
#include <vector>

namespace hostlet::bridge {

// Masquerades traffic from each of `addresses` (with their subnet prefixes) to destinations
// outside their subnets and outside multicast.
void SetUpIpMasq(const std::string& network, const std::string& container_id,
                 const std::vector<IpNet>& addresses);

// Removes the attachment's rules and chain in both families; nothing to remove is fine.
void TearDownIpMasq(const std::string& network, const std::string& container_id);

// Removes the rules and chains of `network` whose container ID is not in `valid_ids`.
void CollectIpMasq(const std::string& network, const std::set<std::string>& valid_ids);

}  // namespace hostlet::bridge
