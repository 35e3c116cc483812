#include "kubelet/network/spec_version.h"

#include <algorithm>
#include <charconv>

namespace hostlet::network {

bool IsSpecVersion(std::string_view version) {
  return std::find(kSpecVersions.begin(), kSpecVersions.end(), version) != kSpecVersions.end();
}

std::string SpecVersionList() {
  std::string list;
  for (std::string_view version : kSpecVersions) {
    if (!list.empty()) list += ", ";
    list += version;
  }
  return list;
}

std::optional<std::array<int, 3>> ParseVersion(std::string_view version) {
  std::array<int, 3> parts{};
  const char* at = version.data();
  const char* end = version.data() + version.size();
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      if (at == end || *at != '.') return std::nullopt;
      ++at;
    }
    auto [next, error] = std::from_chars(at, end, parts[i]);
    if (error != std::errc() || next == at || parts[i] < 0) return std::nullopt;
    at = next;
  }
  if (at != end) return std::nullopt;
  return parts;
}

bool AtLeast(std::string_view version, std::string_view minimum) {
  auto have = ParseVersion(version);
  auto need = ParseVersion(minimum);
  return have && need && *have >= *need;
}

}  // namespace hostlet::network
