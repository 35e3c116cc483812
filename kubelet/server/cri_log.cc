#include "kubelet/server/cri_log.h"

#include <charconv>
#include <ctime>
#include <stdexcept>

namespace hostlet::server {
namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

// Reads exactly `digits` decimal digits at `pos`.
bool Digits(std::string_view text, size_t pos, size_t digits, int* value) {
  if (pos + digits > text.size()) return false;
  *value = 0;
  for (size_t i = pos; i < pos + digits; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    *value = *value * 10 + (text[i] - '0');
  }
  return true;
}

std::optional<std::int64_t> ParseInteger(const std::string& name, const std::string& text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw std::invalid_argument(name + ": expected an integer, got \"" + text + "\"");
  }
  return value;
}

bool ParseBool(const std::string& name, const std::string& text) {
  // Go's strconv.ParseBool, which the apiserver's query decoding uses.
  if (text == "1" || text == "t" || text == "T" || text == "true" || text == "TRUE" ||
      text == "True" || text.empty()) {
    return true;
  }
  if (text == "0" || text == "f" || text == "F" || text == "false" || text == "FALSE" ||
      text == "False") {
    return false;
  }
  throw std::invalid_argument(name + ": expected true or false, got \"" + text + "\"");
}

}  // namespace

std::optional<std::int64_t> ParseRfc3339(std::string_view text) {
  std::tm parts{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!Digits(text, 0, 4, &year) || text.size() < 20 || text[4] != '-' ||
      !Digits(text, 5, 2, &month) || text[7] != '-' || !Digits(text, 8, 2, &day) ||
      (text[10] != 'T' && text[10] != 't') || !Digits(text, 11, 2, &hour) || text[13] != ':' ||
      !Digits(text, 14, 2, &minute) || text[16] != ':' || !Digits(text, 17, 2, &second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  size_t pos = 19;
  std::int64_t fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 9) fraction = fraction * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 9; ++digits) fraction *= 10;
  }
  std::int64_t offset = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int offset_hours = 0, offset_minutes = 0;
    if (!Digits(text, pos + 1, 2, &offset_hours) || pos + 3 >= text.size() ||
        text[pos + 3] != ':' || !Digits(text, pos + 4, 2, &offset_minutes)) {
      return std::nullopt;
    }
    offset = (offset_hours * 3600 + offset_minutes * 60) * (text[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  parts.tm_year = year - 1900;
  parts.tm_mon = month - 1;
  parts.tm_mday = day;
  parts.tm_hour = hour;
  parts.tm_min = minute;
  parts.tm_sec = second;
  std::int64_t seconds = static_cast<std::int64_t>(timegm(&parts)) - offset;
  return seconds * kNanosPerSecond + fraction;
}

std::optional<CriLogRecord> ParseCriLogLine(std::string_view line) {
  CriLogRecord record;
  size_t space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  record.timestamp = std::string(line.substr(0, space));
  auto time = ParseRfc3339(record.timestamp);
  if (!time) return std::nullopt;
  record.time_ns = *time;
  line.remove_prefix(space + 1);
  space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  record.stream = std::string(line.substr(0, space));
  if (record.stream != "stdout" && record.stream != "stderr") return std::nullopt;
  line.remove_prefix(space + 1);
  // The tag field may carry more flags after ':' in later CRI versions; only P and F matter.
  space = line.find(' ');
  std::string_view tag = line.substr(0, space);
  std::string_view first = tag.substr(0, tag.find(':'));
  if (first != "P" && first != "F") return std::nullopt;
  record.partial = first == "P";
  record.text = space == std::string_view::npos ? "" : std::string(line.substr(space + 1));
  return record;
}

LogOptions ParseLogOptions(const std::map<std::string, std::string>& query, std::int64_t now_ns) {
  LogOptions options;
  auto get = [&](const char* name) -> const std::string* {
    auto found = query.find(name);
    return found == query.end() ? nullptr : &found->second;
  };
  if (auto* value = get("follow")) options.follow = ParseBool("follow", *value);
  if (auto* value = get("timestamps")) options.timestamps = ParseBool("timestamps", *value);
  if (auto* value = get("previous")) options.previous = ParseBool("previous", *value);
  if (auto* value = get("tailLines")) {
    options.tail_lines = ParseInteger("tailLines", *value);
    if (*options.tail_lines < 0) throw std::invalid_argument("tailLines: must be 0 or more");
  }
  if (auto* value = get("limitBytes")) {
    options.limit_bytes = ParseInteger("limitBytes", *value);
    if (*options.limit_bytes < 1) throw std::invalid_argument("limitBytes: must be greater than 0");
  }
  const std::string* since_seconds = get("sinceSeconds");
  const std::string* since_time = get("sinceTime");
  if (since_seconds != nullptr && since_time != nullptr) {
    throw std::invalid_argument("at most one of sinceTime or sinceSeconds may be specified");
  }
  if (since_seconds != nullptr) {
    auto seconds = *ParseInteger("sinceSeconds", *since_seconds);
    if (seconds < 1) throw std::invalid_argument("sinceSeconds: must be greater than 0");
    options.since_ns = now_ns - seconds * kNanosPerSecond;
  }
  if (since_time != nullptr) {
    options.since_ns = ParseRfc3339(*since_time);
    if (!options.since_ns) {
      throw std::invalid_argument("sinceTime: expected an RFC 3339 time, got \"" + *since_time +
                                  "\"");
    }
  }
  return options;
}

std::string LogFormatter::Format(const CriLogRecord& record) {
  if (exhausted_) return "";
  if (at_line_start_) {
    skipping_line_ = options_.since_ns && record.time_ns < *options_.since_ns;
  }
  std::string out;
  if (!skipping_line_) {
    if (at_line_start_ && options_.timestamps) out = record.timestamp + " ";
    out += record.text;
    if (!record.partial) out += '\n';
  }
  at_line_start_ = !record.partial;
  if (options_.limit_bytes) {
    std::int64_t left = *options_.limit_bytes - written_;
    if (static_cast<std::int64_t>(out.size()) >= left) {
      out.resize(static_cast<size_t>(left));
      exhausted_ = true;
    }
  }
  written_ += static_cast<std::int64_t>(out.size());
  return out;
}

std::vector<CriLogRecord> ReadRecords(std::string_view content,
                                      std::optional<std::int64_t> tail_lines) {
  std::vector<CriLogRecord> records;
  size_t start = 0;
  while (true) {
    size_t end = content.find('\n', start);
    if (end == std::string_view::npos) break;
    if (auto record = ParseCriLogLine(content.substr(start, end - start))) {
      records.push_back(std::move(*record));
    }
    start = end + 1;
  }
  if (!tail_lines) return records;
  // Back from the end, counting lines by their final (F) records; a trailing partial line that
  // has not ended yet counts as one too.
  size_t keep_from = records.size();
  std::int64_t lines = 0;
  for (size_t i = records.size(); i > 0; --i) {
    bool ends_line = !records[i - 1].partial || i == records.size();
    if (ends_line) {
      if (lines == *tail_lines) break;
      ++lines;
    }
    keep_from = i - 1;
  }
  if (*tail_lines == 0) keep_from = records.size();
  records.erase(records.begin(), records.begin() + static_cast<std::ptrdiff_t>(keep_from));
  return records;
}

}  // namespace hostlet::server
