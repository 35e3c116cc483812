// GET /containerLogs/{namespace}/{pod}/{container}: a container's log as the upstream kubelet
// serves it (PodLogOptions in the query), read from the file the runtime writes in the CRI log
// format. With follow, new lines are streamed until the container's instance ends or the client
// goes away.
#pragma once

#include "controlplane/apiserver/router.h"
#include "kubelet/server/node_view.h"

namespace hostlet::server {

// Throws apiserver::ApiException: 404 for a pod or container the agent does not run, 400 for a
// bad option or a previous instance that does not exist.
apiserver::Response ServeContainerLogs(const NodeView& node, const apiserver::Request& request,
                                       const apiserver::PathParams& params);

}  // namespace hostlet::server
