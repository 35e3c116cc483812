// The API server's routes: version and health, discovery, OpenAPI, and the resource paths of
// a ResourceTable, which go to the resource handler given.
#pragma once

#include "controlplane/apiserver/resources.h"
#include "controlplane/apiserver/router.h"

#include <functional>
#include <string>

namespace hostlet::apiserver {

// The Kubernetes release whose API this server speaks.
inline constexpr const char* kKubernetesMajor = "1";
inline constexpr const char* kKubernetesMinor = "32";
inline constexpr const char* kGitVersion = "v1.32.0-hostlet";

// Serves a resource path: `rest` is what follows /api/<version>/ or /apis/<group>/<version>/.
using ResourceHandler =
    std::function<Response(const Request& request, const std::string& group,
                           const std::string& version, const std::string& rest)>;

// Adds every route to `router`. `table` must outlive it; `server_address` ("127.0.0.1:6443") is
// what /api tells clients to dial.
void AddApiRoutes(Router& router, const ResourceTable& table, const std::string& server_address,
                  ResourceHandler resources);

}  // namespace hostlet::apiserver
