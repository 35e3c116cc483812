#include "plugins/runtime/oci/helper/cri_log.h"

#include <chrono>
#include <ctime>
#include <filesystem>

namespace hostlet::oci::helper {
namespace {

constexpr size_t kMaxRecord = 16 * 1024;

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(nanos / 1000000000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  size_t length = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + length, sizeof(text) - length, ".%09lldZ",
                static_cast<long long>(nanos % 1000000000));
  return text;
}

}  // namespace

CriLog::CriLog(std::string path) : path_(std::move(path)) { Reopen(); }

CriLog::~CriLog() {
  if (file_ != nullptr) std::fclose(file_);
}

void CriLog::Reopen() {
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ignored);
  // The new file first: if it cannot be opened (no space, no descriptors), output keeps going
  // to the old one, which the rotation then renames back, rather than nowhere.
  std::FILE* fresh = std::fopen(path_.c_str(), "ae");
  if (fresh == nullptr) return;
  if (file_ != nullptr) std::fclose(file_);
  file_ = fresh;
}

void CriLog::Record(const std::string& stream, const std::string& content, bool full) {
  if (file_ == nullptr) return;
  std::fprintf(file_, "%s %s %c %s\n", Timestamp().c_str(), stream.c_str(), full ? 'F' : 'P',
               content.c_str());
  std::fflush(file_);
}

void CriLog::Write(const std::string& stream, const char* data, size_t size) {
  std::string& pending = pending_[stream];
  pending.append(data, size);
  size_t start = 0;
  for (size_t newline; (newline = pending.find('\n', start)) != std::string::npos;
       start = newline + 1) {
    Record(stream, pending.substr(start, newline - start), true);
  }
  pending.erase(0, start);
  while (pending.size() >= kMaxRecord) {
    Record(stream, pending.substr(0, kMaxRecord), false);
    pending.erase(0, kMaxRecord);
  }
}

void CriLog::Flush() {
  for (auto& [stream, pending] : pending_) {
    if (!pending.empty()) Record(stream, pending, false);
    pending.clear();
  }
}

}  // namespace hostlet::oci::helper
