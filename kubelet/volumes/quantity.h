// Exact Kubernetes quantities, only as far as the agent needs them: resourceFieldRef (milli-cpu,
// bytes) and emptyDir sizeLimit.
//
// Why not controlplane/apiserver/quantity.h: it lives in hostlet_apiserver, which drags the
// apiserver's storage, protobuf and OpenSSL into the agent, and it computes in long double, so
// "0.1" * 1000 can land just above 100 and round up to 101. The kubelet's answers here come from
// resource.Quantity's exact MilliValue()/Value(), which round up only a true remainder.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hostlet::agent {

// ceil(quantity * 10^scale) for a non-negative quantity ("500m", "1.5", "2Gi", "1e3", "+4k"), or
// nullopt when `text` is not one or the result exceeds int64.
std::optional<std::int64_t> ScaledQuantity(std::string_view text, int scale);

// resource.Quantity's MilliValue() and Value(): both round up.
inline std::optional<std::int64_t> MilliValue(std::string_view text) {
  return ScaledQuantity(text, 3);
}
inline std::optional<std::int64_t> Value(std::string_view text) { return ScaledQuantity(text, 0); }

// A quantity's text as JSON carries it: a string, or a bare number from YAML (`cpu: 2`).
std::optional<std::string> QuantityText(const nlohmann::json& value);

}  // namespace hostlet::agent
