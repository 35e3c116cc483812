#include "kubelet/config/yaml_scalar.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <regex>
#include <stdexcept>

namespace hostlet::agent {
namespace {

bool OneOf(const std::string& text, std::initializer_list<const char*> words) {
  for (const char* word : words) {
    if (text == word) return true;
  }
  return false;
}

std::optional<bool> AsBool(const std::string& text) {
  if (OneOf(text, {"true", "True", "TRUE"})) return true;
  if (OneOf(text, {"false", "False", "FALSE"})) return false;
  return std::nullopt;
}

bool IsNull(const std::string& text) { return OneOf(text, {"", "~", "null", "Null", "NULL"}); }

// Integers as go-yaml (which Kubernetes uses) reads them: sign, then 0x/0o/0b or a leading 0
// for octal, underscores ignored. Too big for int64 but fits uint64: unsigned; else not an int.
std::optional<nlohmann::json> AsInt(const std::string& text) {
  std::string digits;
  for (char c : text) {
    if (c != '_') digits += c;
  }
  static const std::regex kInt("[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)");
  if (!std::regex_match(digits, kInt)) return std::nullopt;
  bool negative = digits[0] == '-';
  size_t at = (digits[0] == '-' || digits[0] == '+') ? 1 : 0;
  int base = 10;
  if (digits.size() > at + 1 && digits[at] == '0') {
    char kind = static_cast<char>(digits[at + 1] | 0x20);
    if (kind == 'x' || kind == 'o' || kind == 'b') {
      base = kind == 'x' ? 16 : kind == 'o' ? 8 : 2;
      at += 2;
    } else {
      base = 8;
    }
  }
  std::string magnitude_text = digits.substr(at);
  errno = 0;
  char* end = nullptr;
  unsigned long long magnitude = std::strtoull(magnitude_text.c_str(), &end, base);
  if (errno == ERANGE || end == nullptr || *end != '\0') return std::nullopt;
  if (!negative) {
    if (magnitude <= static_cast<unsigned long long>(std::numeric_limits<int64_t>::max())) {
      return nlohmann::json(static_cast<int64_t>(magnitude));
    }
    return nlohmann::json(static_cast<uint64_t>(magnitude));
  }
  constexpr unsigned long long kMinMagnitude =
      static_cast<unsigned long long>(std::numeric_limits<int64_t>::max()) + 1;
  if (magnitude > kMinMagnitude) return std::nullopt;
  if (magnitude == kMinMagnitude) return nlohmann::json(std::numeric_limits<int64_t>::min());
  return nlohmann::json(-static_cast<int64_t>(magnitude));
}

std::optional<nlohmann::json> AsFloat(const std::string& text) {
  if (OneOf(text, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) {
    return nlohmann::json(std::numeric_limits<double>::infinity());
  }
  if (OneOf(text, {"-.inf", "-.Inf", "-.INF"})) {
    return nlohmann::json(-std::numeric_limits<double>::infinity());
  }
  if (OneOf(text, {".nan", ".NaN", ".NAN"})) {
    return nlohmann::json(std::numeric_limits<double>::quiet_NaN());
  }
  std::string digits;
  for (char c : text) {
    if (c != '_') digits += c;
  }
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (!std::regex_match(digits, kFloat)) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  double value = std::strtod(digits.c_str(), &end);
  // Out of range keeps strtod's ±inf, as Go's ParseFloat would refuse: treat as a string.
  if (errno == ERANGE && std::isinf(value)) return std::nullopt;
  if (end == nullptr || *end != '\0') return std::nullopt;
  return nlohmann::json(value);
}

[[noreturn]] void NotA(const std::string& what, const std::string& text) {
  throw std::runtime_error("cannot read \"" + text + "\" as " + what);
}

}  // namespace

nlohmann::json ResolvePlainScalar(const std::string& text) {
  if (IsNull(text)) return nullptr;
  if (auto value = AsBool(text)) return *value;
  // Numbers start with a sign, a digit or a point; skipping the rest keeps the regexes off
  // ordinary words, which are most scalars of a manifest.
  if (text.find_first_of("+-.0123456789") != 0) return text;
  if (auto value = AsInt(text)) return *value;
  if (auto value = AsFloat(text)) return *value;
  return text;
}

nlohmann::json ResolveTaggedScalar(const std::string& text, const std::string& tag) {
  static const std::string kCore = "tag:yaml.org,2002:";
  if (tag.rfind(kCore, 0) != 0) return text;
  std::string type = tag.substr(kCore.size());
  if (type == "null") {
    if (!IsNull(text)) NotA("null", text);
    return nullptr;
  }
  if (type == "bool") {
    if (auto value = AsBool(text)) return *value;
    NotA("a bool", text);
  }
  if (type == "int") {
    if (auto value = AsInt(text)) return *value;
    NotA("an integer", text);
  }
  if (type == "float") {
    if (auto value = AsInt(text)) return value->get<double>();
    if (auto value = AsFloat(text)) return *value;
    NotA("a float", text);
  }
  return text;
}

}  // namespace hostlet::agent
