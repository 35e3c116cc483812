// The REST verbs of every resource in the table: HTTP requests translated into Registry calls
// and the answers shaped as Kubernetes shapes them (objects, lists, Tables, watch streams,
// Status errors).
#pragma once

#include "controlplane/apiserver/http_types.h"
#include "controlplane/apiserver/registry.h"

#include <string>

namespace hostlet::apiserver {

// A request for `rest`, the part of a resource path after its group version:
//   namespaces/<ns>/<resource>[/<name>[/<subresource>]]   (namespaced)
//   <resource>[/<name>[/<subresource>]]                      (cluster-scoped, or all namespaces)
Response ServeResource(Registry& registry, const Request& request, const std::string& group,
                       const std::string& version, const std::string& rest);

}  // namespace hostlet::apiserver
