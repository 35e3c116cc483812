// The API server's routes: version and health, discovery, and the resource paths of the
// ResourceTable (answered 503 until storage is wired in).
#pragma once

#include "controlplane/apiserver/resources.h"
#include "controlplane/apiserver/router.h"

#include <string>

namespace hostlet::apiserver {

// The Kubernetes release whose API this server speaks.
inline constexpr const char* kKubernetesMajor = "1";
inline constexpr const char* kKubernetesMinor = "32";
inline constexpr const char* kGitVersion = "v1.32.0-hostlet";

// Adds every route to `router`. `table` must outlive it; `server_address` ("127.0.0.1:6443") is
// what /api tells clients to dial.
void AddApiRoutes(Router& router, const ResourceTable& table, const std::string& server_address);

}  // namespace hostlet::apiserver
