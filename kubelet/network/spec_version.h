// The CNI spec versions this manager speaks, and ordering of "major.minor.patch" versions.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace hostlet::network {

// Configurations may use these; results of 0.3.x plugins are still understood (see result.h).
inline constexpr std::array<std::string_view, 3> kSpecVersions = {"0.4.0", "1.0.0", "1.1.0"};

bool IsSpecVersion(std::string_view version);
std::string SpecVersionList();  // "0.4.0, 1.0.0, 1.1.0", for messages

// "1.0.0" -> {1, 0, 0}; nullopt for anything else.
std::optional<std::array<int, 3>> ParseVersion(std::string_view version);

// Whether `version` is at least `minimum`; a version that does not parse is not.
bool AtLeast(std::string_view version, std::string_view minimum);

}  // namespace hostlet::network
