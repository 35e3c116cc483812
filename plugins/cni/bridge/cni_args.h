// CNI_ARGS: "KEY=VALUE;KEY=VALUE". Keys this module does not use (K8S_POD_NAME, IgnoreUnknown,
// ...) are passed over, as runtimes add their own.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hostlet::bridge {

// The value of `key` in `cni_args`, or nullopt. Throws CniError (invalid environment) when
// `cni_args` is not a list of KEY=VALUE pairs.
std::optional<std::string> CniArg(std::string_view cni_args, std::string_view key);

}  // namespace hostlet::bridge
