// The part of the API scheme's Pod defaulting and validation a static pod needs: the upstream
// kubelet decodes file pods through the scheme, so they arrive defaulted and checked, and the
// agent and the mirror pod then see the same spec as a pod created through the apiserver.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace hostlet::agent {

// Checks and defaults a Pod's spec in place. Required: containers, non-empty, each with a name
// (an RFC 1123 label, unique across containers and initContainers) and an image. Defaults:
// restartPolicy Always, dnsPolicy ClusterFirst, terminationGracePeriodSeconds 30, schedulerName
// default-scheduler, enableServiceLinks true, securityContext {}; per container imagePullPolicy
// (Always for :latest or no tag, else IfNotPresent), terminationMessagePath /dev/termination-log,
// terminationMessagePolicy File, ports' protocol TCP. Throws std::invalid_argument
// "<field path>: <what>" in the apiserver's words ("spec.containers[0].image: Required value").
void DefaultAndValidatePodSpec(nlohmann::json& spec);

// The pull policy the scheme gives a container of `image`: Always when its tag is "latest" or
// it has neither tag nor digest, else IfNotPresent.
std::string DefaultPullPolicy(const std::string& image);

}  // namespace hostlet::agent
