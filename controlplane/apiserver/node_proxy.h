// The API paths answered by a node agent: a pod's log (pods/log, which `kubectl logs` reads)
// and nodes/{name}/proxy/{path} (`kubectl get --raw .../proxy/metrics`). The node is found at
// its first InternalIP and status.daemonEndpoints.kubeletEndpoint.Port.
#pragma once

#include "controlplane/apiserver/node_client.h"
#include "controlplane/apiserver/registry.h"
#include "controlplane/apiserver/router.h"

namespace hostlet::apiserver {

// Adds GET /api/v1/namespaces/{namespace}/pods/{name}/log and GET
// /api/v1/nodes/{name}/proxy/{path...} to `router`, ahead of the generic resource routes.
// `registry` and `client` must outlive the router.
void AddNodeRoutes(Router& router, Registry& registry, const NodeClient& client);

}  // namespace hostlet::apiserver
