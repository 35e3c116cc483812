#pragma once

#include <algorithm>
#include <string>

namespace hostlet::oci {

// True for a non-empty string of ASCII digits: a numeric uid or gid in a user spec.
inline bool IsDigits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace hostlet::oci
