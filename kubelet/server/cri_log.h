// The CRI container log format the runtime writes and the options of a log request, as the
// upstream kubelet reads them: each line of the file is "<RFC3339Nano time> <stream> <tag>
// <text>", where the tag is F for the end of a line and P for a piece of a longer one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostlet::server {

struct CriLogRecord {
  std::string timestamp;     // as written, RFC 3339 with nanoseconds
  std::int64_t time_ns = 0;  // since the epoch
  std::string stream;        // "stdout" or "stderr"
  bool partial = false;      // tag P: the line goes on in the next record
  std::string text;          // without the line's '\n'
};

// One line of a log file, without its '\n'; nothing when it is not in the CRI format (the
// line is then skipped, as the upstream kubelet skips it).
std::optional<CriLogRecord> ParseCriLogLine(std::string_view line);

// An RFC 3339 time ("2026-01-02T03:04:05.123456789Z", "...+02:00") in nanoseconds since the
// epoch; nothing when malformed.
std::optional<std::int64_t> ParseRfc3339(std::string_view text);

// The query of /containerLogs, with the names and meaning of PodLogOptions.
struct LogOptions {
  bool follow = false;
  bool timestamps = false;
  bool previous = false;
  std::optional<std::int64_t> tail_lines;   // >= 0
  std::optional<std::int64_t> since_ns;     // from sinceSeconds or sinceTime, absolute
  std::optional<std::int64_t> limit_bytes;  // > 0
};

// Throws std::invalid_argument with a message naming the parameter when a value is malformed
// or out of range, or when sinceSeconds and sinceTime are both given. `now_ns` anchors
// sinceSeconds.
LogOptions ParseLogOptions(const std::map<std::string, std::string>& query, std::int64_t now_ns);

// Turns records into what the client reads: the text of each line, pieces of a partial line
// joined, each line prefixed with its time when `timestamps`, lines older than `since_ns`
// dropped, and nothing past `limit_bytes`.
class LogFormatter {
 public:
  explicit LogFormatter(const LogOptions& options) : options_(options) {}
  // The bytes for one record, possibly empty.
  std::string Format(const CriLogRecord& record);
  // The byte limit is reached: nothing more will be written.
  bool exhausted() const { return exhausted_; }

 private:
  LogOptions options_;
  bool at_line_start_ = true;
  bool skipping_line_ = false;  // the current line began before since_ns
  std::int64_t written_ = 0;
  bool exhausted_ = false;
};

// The records of `content` (complete lines only: bytes after the last '\n' are left out),
// keeping only the last `tail_lines` whole lines when set. A line is its records up to and
// including the one tagged F.
std::vector<CriLogRecord> ReadRecords(std::string_view content,
                                      std::optional<std::int64_t> tail_lines);

}  // namespace hostlet::server
