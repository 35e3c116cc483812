#include "controlplane/apiserver/quantity.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace hostlet::apiserver {

std::optional<long double> ParseQuantity(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  size_t i = 0;
  if (text[i] == '+' || text[i] == '-') ++i;
  size_t digits_start = i;
  size_t digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return std::nullopt;
  long double number = std::strtold(std::string(text.substr(0, i)).c_str(), nullptr);
  (void)digits_start;
  std::string_view suffix = text.substr(i);
  long double scale = 1;
  if (suffix.empty()) {
  } else if (suffix.size() == 2 && suffix[1] == 'i') {
    static constexpr std::string_view kBinary = "KMGTPE";
    auto power = kBinary.find(suffix[0]);
    if (power == std::string_view::npos) return std::nullopt;
    scale = std::pow(1024.0L, static_cast<long double>(power + 1));
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    auto exponent = suffix.substr(1);
    size_t j = 0;
    if (j < exponent.size() && (exponent[j] == '+' || exponent[j] == '-')) ++j;
    if (j == exponent.size()) return std::nullopt;
    for (; j < exponent.size(); ++j) {
      if (exponent[j] < '0' || exponent[j] > '9') return std::nullopt;
    }
    scale = std::pow(10.0L, std::strtold(std::string(exponent).c_str(), nullptr));
  } else if (suffix.size() == 1) {
    switch (suffix[0]) {
      case 'n':
        scale = 1e-9L;
        break;
      case 'u':
        scale = 1e-6L;
        break;
      case 'm':
        scale = 1e-3L;
        break;
      case 'k':
        scale = 1e3L;
        break;
      case 'M':
        scale = 1e6L;
        break;
      case 'G':
        scale = 1e9L;
        break;
      case 'T':
        scale = 1e12L;
        break;
      case 'P':
        scale = 1e15L;
        break;
      case 'E':
        scale = 1e18L;
        break;
      default:
        return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  long double value = number * scale;
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<long double> QuantityOf(const nlohmann::json& value) {
  if (value.is_string()) return ParseQuantity(value.get<std::string>());
  if (value.is_number()) return value.get<long double>();
  return std::nullopt;
}

namespace {

std::int64_t Saturate(long double value) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  if (value >= static_cast<long double>(kMax)) return kMax;
  if (value <= -static_cast<long double>(kMax)) return -kMax;
  return static_cast<std::int64_t>(value);
}

}  // namespace

std::int64_t CeilMilli(long double value) { return Saturate(std::ceil(value * 1000 - 1e-9L)); }
std::int64_t CeilUnits(long double value) { return Saturate(std::ceil(value - 1e-12L)); }

}  // namespace hostlet::apiserver
