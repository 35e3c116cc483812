// The node's network as the host service runtime modules ask for by HOSTLET_SERVICE_NETWORK
// (abi.h): "ADD", "DEL" and "CHECK" of a pod sandbox, with the request
// {"containerID","netns","ifName","podNamespace","podName","podUID","portMappings":[...]},
// run on a NetworkManager. The pod's identity goes to the plugins in CNI_ARGS as the kubelet
// passes it, and port mappings as the "portMappings" capability.
//
// Offer it with HostServices::Offer(HOSTLET_SERVICE_NETWORK, service.raw()); the service and
// the manager must outlive every module instance given it.
#pragma once

#include "kubelet/network/manager.h"

#include <hostlet/abi.h>

namespace hostlet::network {

class NetworkHostService {
 public:
  explicit NetworkHostService(NetworkManager& manager);
  NetworkHostService(const NetworkHostService&) = delete;
  NetworkHostService& operator=(const NetworkHostService&) = delete;

  const hostlet_network_service* raw() const { return &raw_; }

 private:
  // The ABI's call: the ADD result (or "{}") through reply->set_response, or the spec's error
  // JSON through reply->set_error with a canonical status code, which is returned.
  static int32_t Call(void* host_ctx, const char* method, const uint8_t* request,
                      size_t request_size, const hostlet_reply* reply);

  NetworkManager& manager_;
  hostlet_network_service raw_;
};

// The attachment a request describes; throws Error kCniDecodeFailure or kCniInvalidEnvironment
// for a request that does not describe one. Exposed for tests.
Attachment AttachmentFromRequest(const nlohmann::json& request);

}  // namespace hostlet::network
