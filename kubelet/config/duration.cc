#include "kubelet/config/duration.h"

#include <string_view>
#include <utility>

namespace hostlet::agent {
namespace {

// Nanoseconds per unit, "ms" before "m" and "s" so the longer spelling wins.
constexpr std::pair<std::string_view, long long> kUnits[] = {
    {"ns", 1LL},           {"us", 1000LL},          {"\xC2\xB5s", 1000LL}, {"\xCE\xBCs", 1000LL},
    {"ms", 1000000LL},     {"s", 1000000000LL},     {"m", 60000000000LL},  {"h", 3600000000000LL}};

// Go refuses durations past int64 nanoseconds (~292 years); so do we.
constexpr __int128 kMaxNanoseconds = 0x7fffffffffffffffLL;

bool Digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<long long> ParseDurationSeconds(const std::string& text) {
  if (text == "0" || text == "+0") return 0;
  size_t i = text.size() > 0 && text[0] == '+' ? 1 : 0;
  if (i >= text.size()) return std::nullopt;
  // Integer arithmetic, as Go does, so "0.1m" is exactly 6s and "1.1s" is exactly not whole.
  __int128 nanoseconds = 0;
  while (i < text.size()) {
    __int128 whole = 0;
    size_t digits = 0;
    for (; i < text.size() && Digit(text[i]); ++i, ++digits) {
      whole = whole * 10 + (text[i] - '0');
      if (whole > kMaxNanoseconds) return std::nullopt;
    }
    __int128 fraction = 0, scale = 1;
    if (i < text.size() && text[i] == '.') {
      for (++i; i < text.size() && Digit(text[i]); ++i, ++digits) {
        // Digits past nanosecond precision of an hour cannot change a whole-second answer.
        if (scale < 1000000000000000000LL) {
          fraction = fraction * 10 + (text[i] - '0');
          scale *= 10;
        }
      }
    }
    if (digits == 0) return std::nullopt;
    long long unit = 0;
    for (const auto& [name, nanos] : kUnits) {
      if (std::string_view(text).substr(i, name.size()) == name) {
        unit = nanos;
        i += name.size();
        break;
      }
    }
    if (unit == 0) return std::nullopt;
    __int128 part = whole * unit;
    if (fraction != 0 && (fraction * unit) % scale != 0) return std::nullopt;  // below 1ns
    part += fraction * unit / scale;
    nanoseconds += part;
    if (nanoseconds > kMaxNanoseconds) return std::nullopt;
  }
  if (nanoseconds % 1000000000 != 0) return std::nullopt;
  return static_cast<long long>(nanoseconds / 1000000000);
}

}  // namespace hostlet::agent
