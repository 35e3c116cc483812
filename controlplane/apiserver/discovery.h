// The discovery documents of meta/v1 (APIVersions, APIGroupList, APIResourceList) and the
// aggregated apidiscovery.k8s.io APIGroupDiscoveryList, all built from one ResourceTable.
#pragma once

#include "controlplane/apiserver/resources.h"

#include <nlohmann/json.hpp>

#include <string>

namespace hostlet::apiserver {

// GET /api: the core group's versions. `server_address` is what clients should dial.
nlohmann::json LegacyApiVersions(const ResourceTable& table, const std::string& server_address);

// GET /apis: every named group with its versions, the first declared being preferred.
nlohmann::json ApiGroupList(const ResourceTable& table);

// GET /api/v1 or /apis/<group>/<version>: the resources of one group version, each subresource
// as its own "resource/subresource" entry.
nlohmann::json ApiResourceList(const ResourceTable& table, const std::string& group,
                               const std::string& version);

// GET /api (core_group true) or /apis (false) in aggregated form; `version` is "v2" or
// "v2beta1", which share one shape.
nlohmann::json AggregatedDiscovery(const ResourceTable& table, bool core_group,
                                   const std::string& version);

}  // namespace hostlet::apiserver
