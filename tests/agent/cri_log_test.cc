// Reading the CRI log format and the options of a log request, as `kubectl logs` sees the
// result: text only or with times, partial lines joined, tail, since and byte limits.
#include "kubelet/server/cri_log.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace hostlet::server {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

std::string Render(std::string_view file, const LogOptions& options) {
  LogFormatter formatter(options);
  std::string out;
  for (const auto& record : ReadRecords(file, options.tail_lines)) out += formatter.Format(record);
  return out;
}

const char* kFile =
    "2026-01-02T03:04:05.000000001Z stdout F first\n"
    "2026-01-02T03:04:06.5Z stderr P sec\n"
    "2026-01-02T03:04:06.6Z stderr F ond\n"
    "not a cri line\n"
    "2026-01-02T03:04:07+01:00 stdout F third line\n"
    "2026-01-02T03:04:08Z stdout F \n"
    "2026-01-02T03:04:09Z stdout F unterminated";

TEST(CriLog, ParsesRecords) {
  auto record = ParseCriLogLine("2026-01-02T03:04:05.123456789Z stderr P a b  c");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->timestamp, "2026-01-02T03:04:05.123456789Z");
  EXPECT_EQ(record->time_ns, 1767323045 * kSecond + 123456789);
  EXPECT_EQ(record->stream, "stderr");
  EXPECT_TRUE(record->partial);
  EXPECT_EQ(record->text, "a b  c");
  EXPECT_FALSE(ParseCriLogLine("2026-01-02T03:04:05Z stdin F x"));
  EXPECT_FALSE(ParseCriLogLine("2026-01-02T03:04:05Z stdout X x"));
  EXPECT_FALSE(ParseCriLogLine("yesterday stdout F x"));
  EXPECT_FALSE(ParseCriLogLine(""));
}

TEST(CriLog, ParsesRfc3339Times) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:01Z"), kSecond);
  EXPECT_EQ(ParseRfc3339("1970-01-01T01:00:01+01:00"), kSecond);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00.5Z"), kSecond / 2);
  EXPECT_FALSE(ParseRfc3339("1970-01-01 00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("1970-13-01T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("1970-01-01T00:00:00"));
  EXPECT_FALSE(ParseRfc3339("1970-01-01T00:00:00Zjunk"));
}

TEST(CriLog, PrintsTextOnlyAndJoinsPartialLines) {
  EXPECT_EQ(Render(kFile, {}), "first\nsecond\nthird line\n\n");
}

TEST(CriLog, TimestampsPrefixEachWholeLine) {
  LogOptions options;
  options.timestamps = true;
  EXPECT_EQ(Render(kFile, options),
            "2026-01-02T03:04:05.000000001Z first\n"
            "2026-01-02T03:04:06.5Z second\n"
            "2026-01-02T03:04:07+01:00 third line\n"
            "2026-01-02T03:04:08Z \n");
}

TEST(CriLog, TailCountsWholeLines) {
  LogOptions options;
  options.tail_lines = 3;
  EXPECT_EQ(Render(kFile, options), "second\nthird line\n\n");
  options.tail_lines = 1;
  EXPECT_EQ(Render(kFile, options), "\n");
  options.tail_lines = 0;
  EXPECT_EQ(Render(kFile, options), "");
  options.tail_lines = 100;
  EXPECT_EQ(Render(kFile, options), "first\nsecond\nthird line\n\n");
}

TEST(CriLog, SinceDropsOlderLinesAndLimitCutsBytes) {
  LogOptions options;
  options.since_ns = *ParseRfc3339("2026-01-02T03:04:06Z");
  // "third line" was written at 02:04:07 UTC, before the cut.
  EXPECT_EQ(Render(kFile, options), "second\n\n");
  LogOptions limited;
  limited.limit_bytes = 9;
  LogFormatter formatter(limited);
  std::string out;
  for (const auto& record : ReadRecords(kFile, {})) out += formatter.Format(record);
  EXPECT_EQ(out, "first\nsec");
  EXPECT_TRUE(formatter.exhausted());
}

TEST(CriLog, ReadsOptionsAndRefusesBadOnes) {
  const std::int64_t now = 1000 * kSecond;
  auto options = ParseLogOptions({{"follow", "true"},
                                  {"timestamps", "1"},
                                  {"tailLines", "5"},
                                  {"sinceSeconds", "10"},
                                  {"limitBytes", "100"}},
                                 now);
  EXPECT_TRUE(options.follow);
  EXPECT_TRUE(options.timestamps);
  EXPECT_FALSE(options.previous);
  EXPECT_EQ(options.tail_lines, 5);
  EXPECT_EQ(options.since_ns, 990 * kSecond);
  EXPECT_EQ(options.limit_bytes, 100);
  EXPECT_EQ(ParseLogOptions({{"sinceTime", "1970-01-01T00:00:02Z"}}, now).since_ns, 2 * kSecond);

  auto error = [&](std::map<std::string, std::string> query) {
    try {
      ParseLogOptions(query, now);
    } catch (const std::invalid_argument& bad) {
      return std::string(bad.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(error({{"tailLines", "-1"}}), "tailLines: must be 0 or more");
  EXPECT_EQ(error({{"tailLines", "ten"}}), "tailLines: expected an integer, got \"ten\"");
  EXPECT_EQ(error({{"limitBytes", "0"}}), "limitBytes: must be greater than 0");
  EXPECT_EQ(error({{"sinceSeconds", "0"}}), "sinceSeconds: must be greater than 0");
  EXPECT_EQ(error({{"follow", "maybe"}}), "follow: expected true or false, got \"maybe\"");
  EXPECT_EQ(error({{"sinceTime", "today"}}), "sinceTime: expected an RFC 3339 time, got \"today\"");
  EXPECT_EQ(error({{"sinceSeconds", "1"}, {"sinceTime", "1970-01-01T00:00:02Z"}}),
            "at most one of sinceTime or sinceSeconds may be specified");
}

}  // namespace
}  // namespace hostlet::server
