// OpenAPI v3 as much as kubectl needs: the root index of group versions, and per group version
// the paths with their operations, each tagged with its kind (x-kubernetes-group-version-kind)
// and listing the query parameters it accepts. kubectl reads the fieldValidation parameter
// there to decide that the server validates fields itself (so `kubectl create` and `apply`
// work with their default --validate=strict). No schemas are published: kubectl then computes
// apply patches from the merge keys it has built in for the built-in kinds.
#pragma once

#include "controlplane/apiserver/resources.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace hostlet::apiserver {

// GET /openapi/v3.
nlohmann::json OpenApiV3Index(const ResourceTable& table);

// GET /openapi/v3/api/v1 (group "") or /openapi/v3/apis/<group>/<version>; nothing when the
// group version is not served.
std::optional<nlohmann::json> OpenApiV3Document(const ResourceTable& table,
                                                const std::string& group,
                                                const std::string& version);

}  // namespace hostlet::apiserver
