// Request bodies in Kubernetes' protobuf encoding (application/vnd.kubernetes.protobuf), which
// kubectl's typed clients send: `kubectl create configmap|secret|namespace|serviceaccount|
// service|deployment`. The object is turned into the JSON the rest of the server works on, as the
// upstream apiserver would have decoded it.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

namespace hostlet::apiserver {

inline constexpr std::string_view kProtobufMediaType = "application/vnd.kubernetes.protobuf";

// The object in `body` ("k8s\0" + runtime.Unknown). Throws ApiException: 415 for a kind this
// server has no protobuf schema for (JSON works for every kind), 400 for a malformed body or a
// field the schema here does not know, so that nothing is silently dropped.
nlohmann::json DecodeProtobufObject(std::string_view body);

}  // namespace hostlet::apiserver
