// UTF-8 validation: yaml-cpp passes invalid bytes through, and nlohmann::json would only fail
// later, when the object is serialized for the apiserver, far from the file that caused it.
#pragma once

#include <string_view>

namespace hostlet::agent {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace hostlet::agent
