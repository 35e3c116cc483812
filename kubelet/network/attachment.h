// One container's attachment to the network: the parameters a runtime passes to every plugin of
// the chain (libcni's RuntimeConf).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace hostlet::network {

using CniArgs = std::vector<std::pair<std::string, std::string>>;

struct Attachment {
  std::string container_id;  // CNI_CONTAINERID
  std::string netns;         // CNI_NETNS, a path; may be empty for DEL
  std::string if_name;       // CNI_IFNAME
  CniArgs args;              // CNI_ARGS, in order
  // Keyed by capability ("portMappings", "ips", "mac", "bandwidth", ...); each plugin receives
  // in its runtimeConfig only those it declares in its "capabilities".
  nlohmann::json capability_args = nlohmann::json::object();
};

// What identifies an attachment across its life, and what GC is told is still valid.
struct AttachmentKey {
  std::string container_id;
  std::string if_name;
  auto operator<=>(const AttachmentKey&) const = default;
};

// Throws Error kCniInvalidEnvironment for a container ID or interface name the spec forbids
// (they also name the result cache's files, so nothing else may pass), and for capability
// arguments that are not an object.
void ValidateAttachment(const Attachment& attachment);

// CNI_ARGS: "K=V;K=V".
std::string FormatCniArgs(const CniArgs& args);

}  // namespace hostlet::network
