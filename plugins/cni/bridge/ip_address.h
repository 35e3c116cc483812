// IPv4 and IPv6 addresses and prefixes as values: parsing, printing, ordering and the little
// arithmetic an address allocator needs.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hostlet::bridge {

class IpAddress {
 public:
  // "10.1.2.3" or "fd00::3"; nullopt for anything else (a prefix length included).
  static std::optional<IpAddress> Parse(std::string_view text);
  static IpAddress V4(uint32_t host_order);
  // From network-order bytes of `family` (AF_INET: 4, AF_INET6: 16).
  static IpAddress FromBytes(int family, const void* bytes);
  static IpAddress Zero(int family) { return FromBytes(family, kZeros); }

  int family() const { return family_; }  // AF_INET or AF_INET6
  bool is_v4() const;
  int bits() const { return is_v4() ? 32 : 128; }
  // Network-order bytes: 4 for IPv4, 16 for IPv6.
  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return is_v4() ? 4 : 16; }
  std::string ToString() const;

  // The next and previous addresses, wrapping around at the ends of the family's space.
  IpAddress Next() const;
  IpAddress Previous() const;
  // This address with the host bits beyond `prefix` cleared or set.
  IpAddress Masked(int prefix) const;
  IpAddress WithHostBitsSet(int prefix) const;

  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

 private:
  static constexpr uint8_t kZeros[16] = {};
  int family_ = 0;
  std::array<uint8_t, 16> bytes_{};
};

// An address with a prefix length: "10.1.2.3/24". The address keeps its host bits, so one type
// serves for interface addresses and, once Network() is taken, for subnets.
class IpNet {
 public:
  static std::optional<IpNet> Parse(std::string_view text);
  IpNet(IpAddress address, int prefix) : address_(address), prefix_(prefix) {}

  const IpAddress& address() const { return address_; }
  int prefix() const { return prefix_; }
  IpNet Network() const { return {address_.Masked(prefix_), prefix_}; }
  IpAddress Broadcast() const { return address_.WithHostBitsSet(prefix_); }
  bool Contains(const IpAddress& other) const;
  std::string ToString() const;

  friend auto operator<=>(const IpNet&, const IpNet&) = default;

 private:
  IpAddress address_;
  int prefix_;
};

}  // namespace hostlet::bridge
