// A Channel decorator that times every call made through it, by method, so the CRI client's
// and each plugin's calls are measured without a change at any call site. What it measures is
// given as a callback: the runtime operations and the plugin calls report different metrics.
#pragma once

#include <hostlet/sdk/service.h>

#include <functional>
#include <memory>
#include <string>

namespace hostlet::metrics {

// `method` is the gRPC path ("/runtime.v1.RuntimeService/ListContainers"); `seconds` how long
// the call took (a stream: its whole life); `ok` whether it returned OK.
using CallObserver = std::function<void(const char* method, double seconds, bool ok)>;

std::shared_ptr<Channel> TimedChannel(std::shared_ptr<Channel> inner, CallObserver observe);

// The last part of a gRPC path: "ListContainers".
std::string MethodName(const char* path);
// The upstream kubelet's operation_type for a CRI method: snake case, "PodSandbox" one word
// ("list_podsandbox", "container_status").
std::string OperationType(const char* path);

}  // namespace hostlet::metrics
