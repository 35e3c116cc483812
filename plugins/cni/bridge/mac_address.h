// Ethernet addresses as the CNI result prints them: six lower-case hex pairs joined by ':'.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hostlet::bridge {

// A random locally administered unicast address.
std::string RandomMac();
// The canonical form of `text` ("AA-bb:.." forms are refused), or nullopt when it is not a
// unicast Ethernet address.
std::optional<std::string> CanonicalMac(std::string_view text);
std::string FormatMac(const uint8_t* bytes, size_t size);

}  // namespace hostlet::bridge
