// Names derived from an attachment, so that DEL and GC find what ADD created without any state
// of their own.
#pragma once

#include <string>

namespace hostlet::bridge {

// The host end of the attachment's veth pair: "veth" and 11 hex digits of a hash of the
// container ID and interface name (15 characters, the kernel's limit).
std::string HostVethName(const std::string& container_id, const std::string& if_name);

// The reference plugins' iptables names: chain "CNI-" + the first 24 hex digits of
// SHA-512(network + container ID), comment `name: "<network>" id: "<container ID>"`. Using the
// same names lets either plugin tear down the other's rules.
std::string MasqChainName(const std::string& network, const std::string& container_id);
std::string MasqComment(const std::string& network, const std::string& container_id);

}  // namespace hostlet::bridge
