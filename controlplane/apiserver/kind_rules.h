// What differs between kinds when objects are written: the defaults Kubernetes fills in, the
// validation of the fields the node agent and scheduler rely on, and the fields a field
// selector may name.
#pragma once

#include "controlplane/apiserver/api_status.h"
#include "controlplane/apiserver/resources.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace hostlet::apiserver {

// Fills in what the client left out, as Kubernetes' defaulting does on every write: pods'
// restartPolicy, dnsPolicy, terminationGracePeriodSeconds, imagePullPolicy, probe timings, QoS
// class; deployments' replicas and strategy; namespaces' phase; services' type. Idempotent.
void ApplyDefaults(const Resource& resource, nlohmann::json& object);

// Field problems of a (defaulted) object, empty when it is valid.
std::vector<StatusCause> ValidateObject(const Resource& resource, const nlohmann::json& object);

// Problems with changing `old` into `object` (both defaulted): fields that are immutable.
std::vector<StatusCause> ValidateUpdate(const Resource& resource, const nlohmann::json& object,
                                        const nlohmann::json& old);

// The value of `field` for field selectors ("metadata.name", "spec.nodeName", "status.phase"),
// or nothing when this resource cannot be selected by that field.
std::optional<std::string> SelectableField(const Resource& resource, const nlohmann::json& object,
                                           const std::string& field);

// Whether metadata.generation counts changes of the spec (apps kinds do; status writers such
// as controllers compare it with status.observedGeneration).
bool TracksGeneration(const Resource& resource);

// A pod's QoS class from its containers' requests and limits.
std::string QosClass(const nlohmann::json& pod_spec);

}  // namespace hostlet::apiserver
