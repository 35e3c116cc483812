// Standard base64 with padding (RFC 4648), the form Go's encoding/json gives a []byte: libcni's
// result cache stores the network configuration that way.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hostlet::network {

std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);  // nullopt when malformed

}  // namespace hostlet::network
