// STATUS and GC (spec 1.1).
#include "plugins/cni/bridge/commands.h"
#include "plugins/cni/bridge/host_local/host_local.h"
#include "plugins/cni/bridge/ip_masq.h"
#include "plugins/cni/bridge/net_conf.h"

#include <set>

namespace hostlet::bridge {
namespace {

constexpr char kValidAttachments[] = "cni.dev/valid-attachments";

std::set<host_local::Attachment> ValidAttachments(const nlohmann::json& config) {
  auto list = config.find(kValidAttachments);
  if (list == config.end() || list->is_null()) {
    // Without the list every allocation would look stale; refuse rather than release them all.
    throw CniError(kCniInvalidConfig, std::string("GC: \"") + kValidAttachments + "\" is missing");
  }
  if (!list->is_array()) {
    throw CniError(kCniInvalidConfig,
                   std::string("GC: \"") + kValidAttachments + "\" must be a list");
  }
  std::set<host_local::Attachment> valid;
  for (const auto& entry : *list) {
    auto id = entry.is_object() ? entry.find("containerID") : entry.end();
    auto if_name = entry.is_object() ? entry.find("ifname") : entry.end();
    if (id == entry.end() || if_name == entry.end() || !id->is_string() || !if_name->is_string()) {
      throw CniError(kCniInvalidConfig, std::string("GC: each of \"") + kValidAttachments +
                                            "\" must have string \"containerID\" and \"ifname\"");
    }
    valid.emplace(id->get<std::string>(), if_name->get<std::string>());
  }
  return valid;
}

}  // namespace

void CheckStatus(const CniRequest& request) {
  const NetConf conf = ParseNetConf(request);
  if (conf.ipam_type.empty()) return;
  auto config = host_local::ParseIpamConfig(request.config, request.args);
  try {
    host_local::HostLocal(std::move(config)).CheckAvailable();
  } catch (const CniError& error) {
    // Whatever keeps the store from being used means ADD would fail: "not available".
    if (error.code() == kCniNotAvailable) throw;
    throw CniError(kCniNotAvailable, error.what());
  }
}

void CollectGarbage(const CniRequest& request) {
  const NetConf conf = ParseNetConf(request);
  const std::set<host_local::Attachment> valid = ValidAttachments(request.config);
  if (!conf.ipam_type.empty()) {
    host_local::HostLocal(host_local::ParseIpamConfig(request.config, request.args))
        .GarbageCollect(valid);
  }
  if (conf.ip_masq) {
    std::set<std::string> valid_ids;
    for (const auto& [id, if_name] : valid) valid_ids.insert(id);
    CollectIpMasq(conf.name, valid_ids);
  }
}

}  // namespace hostlet::bridge
