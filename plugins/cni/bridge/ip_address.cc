#include "plugins/cni/bridge/ip_address.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace hostlet::bridge {

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  std::string copy(text);
  IpAddress address;
  if (inet_pton(AF_INET, copy.c_str(), address.bytes_.data()) == 1) {
    address.family_ = AF_INET;
    return address;
  }
  if (inet_pton(AF_INET6, copy.c_str(), address.bytes_.data()) == 1) {
    address.family_ = AF_INET6;
    return address;
  }
  return std::nullopt;
}

IpAddress IpAddress::V4(uint32_t host_order) {
  IpAddress address;
  address.family_ = AF_INET;
  for (int i = 0; i < 4; ++i) address.bytes_[i] = (host_order >> (24 - 8 * i)) & 0xff;
  return address;
}

IpAddress IpAddress::FromBytes(int family, const void* bytes) {
  IpAddress address;
  address.family_ = family;
  std::memcpy(address.bytes_.data(), bytes, family == AF_INET ? 4 : 16);
  return address;
}

bool IpAddress::is_v4() const { return family_ == AF_INET; }

std::string IpAddress::ToString() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family_, bytes_.data(), text, sizeof(text));
  return text;
}

IpAddress IpAddress::Next() const {
  IpAddress next = *this;
  for (int i = static_cast<int>(size()) - 1; i >= 0; --i) {
    if (++next.bytes_[i] != 0) break;
  }
  return next;
}

IpAddress IpAddress::Previous() const {
  IpAddress previous = *this;
  for (int i = static_cast<int>(size()) - 1; i >= 0; --i) {
    if (previous.bytes_[i]-- != 0) break;
  }
  return previous;
}

IpAddress IpAddress::Masked(int prefix) const {
  IpAddress masked = *this;
  for (int i = 0; i < static_cast<int>(size()); ++i) {
    int keep = std::clamp(prefix - 8 * i, 0, 8);
    masked.bytes_[i] &= static_cast<uint8_t>(0xff00 >> keep);
  }
  return masked;
}

IpAddress IpAddress::WithHostBitsSet(int prefix) const {
  IpAddress filled = *this;
  for (int i = 0; i < static_cast<int>(size()); ++i) {
    int keep = std::clamp(prefix - 8 * i, 0, 8);
    filled.bytes_[i] |= static_cast<uint8_t>(0xff >> keep);
  }
  return filled;
}

std::optional<IpNet> IpNet::Parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = IpAddress::Parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  std::string_view digits = text.substr(slash + 1);
  int prefix = -1;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
  if (error != std::errc() || end != digits.data() + digits.size() || digits.empty() ||
      prefix < 0 || prefix > address->bits()) {
    return std::nullopt;
  }
  return IpNet(*address, prefix);
}

bool IpNet::Contains(const IpAddress& other) const {
  return other.family() == address_.family() && other.Masked(prefix_) == address_.Masked(prefix_);
}

std::string IpNet::ToString() const { return address_.ToString() + "/" + std::to_string(prefix_); }

}  // namespace hostlet::bridge
