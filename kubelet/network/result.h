// ADD results: checked to be a CNI result a runtime can rely on, and converted to the version of
// the configuration (what the next plugin of a chain, and the caller, expect).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace hostlet::network {

// Validates `result` (its cniVersion, interfaces, ips with their interface indexes, routes and
// dns) and returns it as `version`. Results of 0.3.0 and later convert both ways: 0.x results
// carry each address's IP "version", which 1.x results drop. Throws Error kCniDecodeFailure
// saying what is wrong.
nlohmann::json NormalizeResult(const nlohmann::json& result, const std::string& version);

}  // namespace hostlet::network
