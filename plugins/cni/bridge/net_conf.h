// The bridge network configuration, with the keys and defaults of the reference `bridge` plugin,
// and the checks every command makes on a request before touching anything.
#pragma once

#include "plugins/cni/bridge/netns_thread.h"

#include <hostlet/sdk/network_plugin.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace hostlet::bridge {

struct NetConf {
  std::string cni_version;
  std::string name;
  std::string bridge = "cni0";
  bool is_gateway = false;
  bool is_default_gateway = false;  // implies is_gateway
  bool force_address = false;
  bool ip_masq = false;
  unsigned mtu = 0;  // 0: the kernel's default
  bool hairpin_mode = false;
  bool promisc_mode = false;
  int vlan = 0;  // 0: none
  // From CNI_ARGS MAC=, then args.cni.mac, then runtimeConfig.mac, the last one present winning.
  std::optional<std::string> mac;
  std::string ipam_type;  // "" when the network is layer 2 only
  nlohmann::json dns;     // the configuration's "dns", null when unset
};

// The CNI versions this module speaks.
const std::vector<std::string>& SupportedVersions();

// Parses and validates the configuration of `request`: CniError kCniIncompatibleVersion for a
// cniVersion this module does not speak, kCniInvalidConfig for a missing or mistyped key,
// kCniUnsupportedField for an IPAM type other than host-local.
NetConf ParseNetConf(const CniRequest& request);

// Refuses (kCniInvalidEnvironment) a container ID or interface name the spec does not allow:
// they name files, firewall comments and interfaces.
void CheckAttachmentNames(const CniRequest& request);

// Opens CNI_NETNS: kCniUnknownContainer when it does not exist, kCniInvalidEnvironment when it
// is not a network namespace.
NetnsFile OpenPodNetns(const CniRequest& request);

}  // namespace hostlet::bridge
