#include "plugins/cni/bridge/mac_address.h"

#include <cctype>
#include <cstdio>
#include <random>

namespace hostlet::bridge {

std::string RandomMac() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  uint64_t bits = generator();
  uint8_t bytes[6];
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<uint8_t>(bits >> (8 * i));
  // Locally administered (bit 1) and unicast (bit 0 clear), so it can never clash with a vendor
  // address or be taken for a multicast group.
  bytes[0] = static_cast<uint8_t>((bytes[0] & 0xfc) | 0x02);
  return FormatMac(bytes, 6);
}

std::optional<std::string> CanonicalMac(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  uint8_t bytes[6];
  for (int i = 0; i < 6; ++i) {
    std::string_view pair = text.substr(3 * i, 2);
    if (!std::isxdigit(static_cast<unsigned char>(pair[0])) ||
        !std::isxdigit(static_cast<unsigned char>(pair[1])) || (i < 5 && text[3 * i + 2] != ':')) {
      return std::nullopt;
    }
    bytes[i] = static_cast<uint8_t>(std::stoi(std::string(pair), nullptr, 16));
  }
  if (bytes[0] & 0x01) return std::nullopt;  // multicast or broadcast
  return FormatMac(bytes, 6);
}

std::string FormatMac(const uint8_t* bytes, size_t size) {
  std::string text;
  char pair[4];
  for (size_t i = 0; i < size; ++i) {
    std::snprintf(pair, sizeof(pair), i == 0 ? "%02x" : ":%02x", bytes[i]);
    text += pair;
  }
  return text;
}

}  // namespace hostlet::bridge
