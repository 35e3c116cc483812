// The files of configMap, secret, downwardAPI and projected volumes, computed from the API
// objects before anything is written (so a missing key fails the volume without touching it).
#pragma once

#include "kubelet/volumes/api_objects.h"
#include "kubelet/volumes/atomic_writer.h"

#include <nlohmann/json.hpp>

namespace hostlet::agent {

// The payload of the volume source `source` of one kind (the value of a volume's "configMap",
// "secret", "downwardAPI" or "projected" field). `volume` names the volume in errors.
Payload ConfigMapPayload(ObjectReader& objects, const std::string& volume,
                         const nlohmann::json& source);
Payload SecretPayload(ObjectReader& objects, const std::string& volume,
                      const nlohmann::json& source);
Payload DownwardApiPayload(const nlohmann::json& pod, const std::string& volume,
                           const nlohmann::json& source);
Payload ProjectedPayload(ObjectReader& objects, const nlohmann::json& pod,
                         const std::string& volume, const nlohmann::json& source);

}  // namespace hostlet::agent
