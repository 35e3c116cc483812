#include "kubelet/volumes/quantity.h"

#include <limits>

namespace hostlet::agent {
namespace {

using Wide = unsigned __int128;  // 38 decimal digits: room for a mantissa and its scaling

constexpr Wide kWideMax = ~Wide{0};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool MultiplyChecked(Wide& value, Wide by) {
  if (by != 0 && value > kWideMax / by) return false;
  value *= by;
  return true;
}

// The decimal and binary (power of 1024) exponents a suffix stands for.
bool ParseSuffix(std::string_view suffix, int& decimal, int& binary) {
  decimal = 0;
  binary = 0;
  if (suffix.empty()) return true;
  if (suffix.size() == 2 && suffix[1] == 'i') {
    static constexpr std::string_view kBinary = "KMGTPE";
    auto power = kBinary.find(suffix[0]);
    if (power == std::string_view::npos) return false;
    binary = static_cast<int>(power) + 1;
    return true;
  }
  if (suffix.size() == 1) {
    static constexpr std::string_view kDecimal = "num kMGTPE";  // index * 3 - 9 is the exponent
    auto index = kDecimal.find(suffix[0]);
    if (index == std::string_view::npos || suffix[0] == ' ') return false;
    decimal = static_cast<int>(index) * 3 - 9;
    return true;
  }
  if (suffix[0] != 'e' && suffix[0] != 'E') return false;
  // A decimal exponent ("1e3", "5E-2"); a lone "E" was exa, above.
  size_t i = 1;
  bool negative = false;
  if (suffix[i] == '+' || suffix[i] == '-') negative = suffix[i++] == '-';
  if (i == suffix.size() || suffix.size() - i > 3) return false;
  int exponent = 0;
  for (; i < suffix.size(); ++i) {
    if (!IsDigit(suffix[i])) return false;
    exponent = exponent * 10 + (suffix[i] - '0');
  }
  decimal = negative ? -exponent : exponent;
  return true;
}

}  // namespace

std::optional<std::int64_t> ScaledQuantity(std::string_view text, int scale) {
  size_t i = 0;
  if (i < text.size() && text[i] == '+') ++i;
  Wide mantissa = 0;
  int significant = 0;  // digits after leading zeros: 36 keep the mantissa well inside Wide
  int fraction = 0;
  bool any_digit = false;
  bool in_fraction = false;
  for (; i < text.size(); ++i) {
    if (text[i] == '.' && !in_fraction) {
      in_fraction = true;
      continue;
    }
    if (!IsDigit(text[i])) break;
    any_digit = true;
    if (mantissa != 0 || text[i] != '0') ++significant;
    if (significant > 36) return std::nullopt;
    mantissa = mantissa * 10 + static_cast<Wide>(text[i] - '0');
    if (in_fraction) ++fraction;
  }
  if (!any_digit) return std::nullopt;
  int decimal = 0;
  int binary = 0;
  if (!ParseSuffix(text.substr(i), decimal, binary)) return std::nullopt;

  // Multiply everything first and divide once at the end, so only the final result rounds.
  Wide value = mantissa;
  for (int b = 0; b < binary; ++b) {
    if (!MultiplyChecked(value, 1024)) return std::nullopt;
  }
  int exponent = decimal + scale - fraction;
  for (; exponent > 0; --exponent) {
    if (!MultiplyChecked(value, 10)) return std::nullopt;
  }
  if (exponent < 0) {
    Wide divisor = 1;
    bool beyond = false;
    for (; exponent < 0; ++exponent) {
      if (!MultiplyChecked(divisor, 10)) {
        beyond = true;  // larger than any mantissa: a non-zero value rounds up to 1
        break;
      }
    }
    value = beyond ? (value != 0 ? 1 : 0) : value / divisor + (value % divisor != 0 ? 1 : 0);
  }
  if (value > static_cast<Wide>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  return static_cast<std::int64_t>(value);
}

std::optional<std::string> QuantityText(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
  if (value.is_number_float()) return value.dump();  // shortest round-trip form, e.g. "0.5"
  return std::nullopt;
}

}  // namespace hostlet::agent
