#include "controlplane/apiserver/table_format.h"

#include <algorithm>
#include <map>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

const json& Null() {
  static const json null;
  return null;
}

const json& EmptyArray() {
  static const json empty = json::array();
  return empty;
}

// Reads exactly `count` digits at `pos`; false (and `pos` unspecified) when they are not there.
bool Digits(std::string_view text, size_t& pos, size_t count, int& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return true;
}

bool Expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

std::string Number(std::int64_t value, const char* unit) { return std::to_string(value) + unit; }

std::string Pair(std::int64_t first, const char* first_unit, std::int64_t second,
                 const char* second_unit) {
  if (second == 0) return Number(first, first_unit);
  return Number(first, first_unit) + Number(second, second_unit);
}

}  // namespace

std::string HumanDuration(Clock::duration duration) {
  // Truncation toward zero, as Go's int conversions: -1.9s is "0s", -2s "<invalid>".
  constexpr std::int64_t kDay = 24;  // hours
  constexpr std::int64_t kYear = 365 * kDay;
  std::int64_t seconds = std::chrono::duration_cast<std::chrono::seconds>(duration).count();
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return Number(seconds, "s");
  std::int64_t minutes = seconds / 60;
  if (minutes < 10) return Pair(minutes, "m", seconds % 60, "s");
  if (minutes < 180) return Number(minutes, "m");
  std::int64_t hours = minutes / 60;
  if (hours < 8) return Pair(hours, "h", minutes % 60, "m");
  if (hours < 2 * kDay) return Number(hours, "h");
  std::int64_t days = hours / kDay;
  if (hours < 8 * kDay) return Pair(days, "d", hours % kDay, "h");
  if (hours < 2 * kYear) return Number(days, "d");
  std::int64_t years = hours / kYear;
  if (hours < 8 * kYear) return Pair(years, "y", days % 365, "d");
  return Number(years, "y");
}

std::optional<Clock::time_point> ParseTimestamp(std::string_view text) {
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!Digits(text, pos, 4, year) || !Expect(text, pos, '-') || !Digits(text, pos, 2, month) ||
      !Expect(text, pos, '-') || !Digits(text, pos, 2, day)) {
    return std::nullopt;
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) return std::nullopt;
  ++pos;
  if (!Digits(text, pos, 2, hour) || !Expect(text, pos, ':') || !Digits(text, pos, 2, minute) ||
      !Expect(text, pos, ':') || !Digits(text, pos, 2, second)) {
    return std::nullopt;
  }
  std::chrono::nanoseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::int64_t scale = 100'000'000;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += std::chrono::nanoseconds((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  std::chrono::minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int offset_hours, offset_minutes;
    if (!Digits(text, pos, 2, offset_hours) || !Expect(text, pos, ':') ||
        !Digits(text, pos, 2, offset_minutes)) {
      return std::nullopt;
    }
    offset = std::chrono::minutes(sign * (offset_hours * 60 + offset_minutes));
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;

  std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                   std::chrono::day(day)};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  auto local = std::chrono::sys_days(date) + std::chrono::hours(hour) +
               std::chrono::minutes(minute) + std::chrono::seconds(second);
  return std::chrono::time_point_cast<Clock::duration>(local - offset + fraction);
}

std::string Since(const json& timestamp, Clock::time_point now) {
  if (!timestamp.is_string()) return "<unknown>";
  auto time = ParseTimestamp(timestamp.get_ref<const std::string&>());
  if (!time) return "<unknown>";
  return HumanDuration(now - *time);
}

const json& At(const json& object, std::initializer_list<std::string_view> path) {
  const json* value = &object;
  for (auto key : path) {
    if (!value->is_object()) return Null();
    auto found = value->find(key);
    if (found == value->end()) return Null();
    value = &*found;
  }
  return *value;
}

std::string StringAt(const json& object, std::initializer_list<std::string_view> path) {
  const json& value = At(object, path);
  return value.is_string() ? value.get<std::string>() : std::string();
}

std::int64_t IntAt(const json& object, std::initializer_list<std::string_view> path,
                   std::int64_t fallback) {
  const json& value = At(object, path);
  return value.is_number() ? value.get<std::int64_t>() : fallback;
}

bool BoolAt(const json& object, std::initializer_list<std::string_view> path, bool fallback) {
  const json& value = At(object, path);
  return value.is_boolean() ? value.get<bool>() : fallback;
}

std::int64_t CountOf(const json& value) {
  return value.is_array() || value.is_object() ? static_cast<std::int64_t>(value.size()) : 0;
}

const json& ArrayOf(const json& value) { return value.is_array() ? value : EmptyArray(); }

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string joined;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) joined += separator;
    joined += parts[i];
  }
  return joined;
}

std::string FormatLabels(const json& labels) {
  if (!labels.is_object() || labels.empty()) return "<none>";
  // nlohmann's objects iterate in key order already; the map says so without relying on it.
  std::map<std::string, std::string> sorted;
  for (const auto& [key, value] : labels.items()) {
    sorted[key] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  std::vector<std::string> pairs;
  for (const auto& [key, value] : sorted) pairs.push_back(key + "=" + value);
  return Join(pairs, ",");
}

std::optional<std::string> FormatLabelSelector(const json& selector) {
  if (!selector.is_object()) return std::string();
  std::vector<std::pair<std::string, std::string>> requirements;  // key, its text
  const json& match_labels = At(selector, {"matchLabels"});
  if (match_labels.is_object()) {
    for (const auto& [key, value] : match_labels.items()) {
      std::string text = value.is_string() ? value.get<std::string>() : std::string();
      requirements.emplace_back(key, key + "=" + text);
    }
  }
  for (const auto& expression : ArrayOf(At(selector, {"matchExpressions"}))) {
    std::string key = StringAt(expression, {"key"});
    std::string op = StringAt(expression, {"operator"});
    std::vector<std::string> values;
    for (const auto& value : ArrayOf(At(expression, {"values"}))) {
      if (value.is_string()) values.push_back(value.get<std::string>());
    }
    std::sort(values.begin(), values.end());
    if (op == "In" || op == "NotIn") {
      std::string word = op == "In" ? " in (" : " notin (";
      requirements.emplace_back(key, key + word + Join(values, ",") + ")");
    } else if (op == "Exists") {
      requirements.emplace_back(key, key);
    } else if (op == "DoesNotExist") {
      requirements.emplace_back(key, "!" + key);
    } else {
      return std::nullopt;
    }
  }
  std::stable_sort(requirements.begin(), requirements.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> texts;
  for (const auto& requirement : requirements) texts.push_back(requirement.second);
  return Join(texts, ",");
}

std::string QuantityText(const json& quantity) {
  if (quantity.is_string()) return quantity.get<std::string>();
  if (quantity.is_number()) return quantity.dump();
  // An unset quantity is Kubernetes' zero Quantity, which prints as "0".
  return "0";
}

void LayoutContainers(const json& containers, std::string& names, std::string& images) {
  std::vector<std::string> name_list, image_list;
  for (const auto& container : ArrayOf(containers)) {
    name_list.push_back(StringAt(container, {"name"}));
    image_list.push_back(StringAt(container, {"image"}));
  }
  names = Join(name_list, ",");
  images = Join(image_list, ",");
}

}  // namespace hostlet::apiserver
