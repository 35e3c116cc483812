// The CNI commands of the bridge plugin. Each validates the whole request before it changes
// anything, and fails with a CniError carrying the spec's code.
#pragma once

#include <hostlet/sdk/network_plugin.h>

#include <nlohmann/json.hpp>

namespace hostlet::bridge {

nlohmann::json AddAttachment(const CniRequest& request);
void DeleteAttachment(const CniRequest& request);
void CheckAttachment(const CniRequest& request);
void CheckStatus(const CniRequest& request);
void CollectGarbage(const CniRequest& request);

}  // namespace hostlet::bridge
