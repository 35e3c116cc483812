// The CNI exec protocol in front of a network Channel: what a CNI binary does with its CNI_*
// environment, stdin and stdout, carried to a network module. Used by `hostlet-cni`.
#pragma once

#include <hostlet/sdk/service.h>

#include <functional>
#include <iosfwd>
#include <string>

namespace hostlet {

using EnvLookup = std::function<const char*(const char* name)>;

// Runs one CNI command against `network`: reads the configuration from `in`, writes the
// result, or the spec's error JSON, to `out`. Returns the process exit code (0 or 1).
int RunCniExec(Channel& network, const EnvLookup& env, std::istream& in, std::ostream& out);

}  // namespace hostlet
