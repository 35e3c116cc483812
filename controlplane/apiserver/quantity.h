// Kubernetes resource quantities ("100m", "1.5", "2Gi", "1e3"), as requests, limits and
// capacities carry them.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace hostlet::apiserver {

// The value of a quantity, or nothing when `text` is not one. Accepts the decimal SI suffixes
// (m, k, M, G, T, P, E), the binary ones (Ki ... Ei) and decimal exponents (e3, E-2).
std::optional<long double> ParseQuantity(std::string_view text);

// A quantity as JSON carries it: a string, or a bare number from YAML such as `cpu: 2`.
std::optional<long double> QuantityOf(const nlohmann::json& value);

// Rounded up, as Kubernetes rounds: cpu in millicores, memory and counts in units.
std::int64_t CeilMilli(long double value);
std::int64_t CeilUnits(long double value);

}  // namespace hostlet::apiserver
