#include "kubelet/agent/log_rotation.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <string_view>
#include <system_error>
#include <vector>

namespace hostlet::agent {
namespace {

namespace cri_api = runtime::v1;
namespace fs = std::filesystem;

constexpr std::string_view kGz = ".gz";

// The rotated siblings of `path`: <name>.YYYYMMDD-hhmmss, maybe with .gz after it, oldest first
// (the names sort by time).
std::vector<fs::path> RotatedFiles(const std::string& path) {
  std::vector<fs::path> rotated;
  const fs::path log(path);
  const std::string prefix = log.filename().string() + ".";
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(log.parent_path(), error)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    std::string_view stamp = std::string_view(name).substr(prefix.size());
    if (stamp.ends_with(kGz)) stamp.remove_suffix(kGz.size());
    bool timestamp = stamp.size() == 15 && stamp[8] == '-' &&
                     std::all_of(stamp.begin(), stamp.end(),
                                 [](char c) { return c == '-' || (c >= '0' && c <= '9'); });
    if (timestamp) rotated.push_back(entry.path());
  }
  std::sort(rotated.begin(), rotated.end());
  return rotated;
}

// Replaces `file` by `file`.gz; a failure leaves `file` as it was.
void Compress(const fs::path& file) {
  const std::string target = file.string() + std::string(kGz);
  const std::string partial = target + ".tmp";
  std::FILE* in = std::fopen(file.c_str(), "rb");
  if (in == nullptr) return;
  gzFile out = gzopen(partial.c_str(), "wb");
  bool ok = out != nullptr;
  char buffer[1 << 16];
  for (std::size_t n; ok && (n = std::fread(buffer, 1, sizeof buffer, in)) > 0;) {
    ok = gzwrite(out, buffer, static_cast<unsigned>(n)) == static_cast<int>(n);
  }
  ok = ok && !std::ferror(in);
  std::fclose(in);
  if (out != nullptr && gzclose(out) != Z_OK) ok = false;
  std::error_code error;
  if (ok) fs::rename(partial, target, error);
  if (!ok || error) {
    fs::remove(partial, error);
    std::cerr << "hostlet: cannot compress the rotated log " << file << std::endl;
    return;
  }
  fs::remove(file, error);
}

// The name a log rotated at `now` gets: `path`.YYYYMMDD-hhmmss, in UTC.
std::string RotatedLogName(const std::string& path, std::chrono::system_clock::time_point now) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &parts);
  return path + "." + stamp;
}

}  // namespace

void RemoveContainerLogs(const std::string& path) {
  if (path.empty()) return;
  std::error_code ignored;
  for (const fs::path& rotated : RotatedFiles(path)) fs::remove(rotated, ignored);
  fs::remove(path, ignored);
}

LogRotator::LogRotator(std::shared_ptr<cri::RuntimeClient> runtime, std::int64_t max_bytes,
                       int max_files, std::chrono::seconds period)
    : runtime_(std::move(runtime)),
      max_bytes_(max_bytes),
      max_files_(std::max(2, max_files)),
      period_(period),
      thread_([this] {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
          lock.unlock();
          RotateOnce();
          lock.lock();
        }
      }) {}

LogRotator::~LogRotator() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void LogRotator::RotateOnce() {
  cri_api::ListContainersRequest list;
  list.mutable_filter()->mutable_state()->set_state(cri_api::CONTAINER_RUNNING);
  cri_api::ListContainersResponse running;
  if (!runtime_->runtime.ListContainers(list, &running).ok()) return;
  for (const auto& container : running.containers()) {
    cri_api::ContainerStatusRequest request;
    request.set_container_id(container.id());
    cri_api::ContainerStatusResponse status;
    if (!runtime_->runtime.ContainerStatus(request, &status).ok()) continue;
    const std::string& path = status.status().log_path();
    if (path.empty()) continue;
    RotateIfDue(container.id(), path);
    CompressAndPrune(path);
  }
}

void LogRotator::RotateIfDue(const std::string& container_id, const std::string& path) {
  std::error_code error;
  auto size = fs::file_size(path, error);
  if (error || static_cast<std::int64_t>(size) < max_bytes_) return;
  const std::string rotated = RotatedLogName(path, std::chrono::system_clock::now());
  // Rotated already within this second: the next pass does it.
  if (fs::exists(rotated, error)) return;
  fs::rename(path, rotated, error);
  if (error) {
    std::cerr << "hostlet: cannot rotate " << path << ": " << error.message() << std::endl;
    return;
  }
  cri_api::ReopenContainerLogRequest request;
  request.set_container_id(container_id);
  cri_api::ReopenContainerLogResponse response;
  grpc::Status reopened = runtime_->runtime.ReopenContainerLog(request, &response);
  if (!reopened.ok()) {
    // The runtime still writes to the renamed file: give it its name back, as the kubelet does.
    fs::rename(rotated, path, error);
    std::cerr << "hostlet: the runtime did not reopen the log of container " << container_id
              << " after rotating it: " << reopened.error_message() << std::endl;
  }
}

void LogRotator::CompressAndPrune(const std::string& path) {
  std::vector<fs::path> rotated = RotatedFiles(path);
  for (const fs::path& file : rotated) {
    // A compression cut short (the agent stopped meanwhile) is done again from the start.
    std::error_code ignored;
    fs::remove(file.string() + std::string(kGz) + ".tmp", ignored);
  }
  const std::size_t keep = static_cast<std::size_t>(max_files_ - 1);
  for (std::size_t i = 0; i < rotated.size(); ++i) {
    if (i + keep < rotated.size()) {
      std::error_code ignored;
      fs::remove(rotated[i], ignored);
    } else if (i + 1 < rotated.size() && !rotated[i].string().ends_with(kGz)) {
      // All but the newest, which the runtime may still have been writing a moment ago.
      Compress(rotated[i]);
    }
  }
}

}  // namespace hostlet::agent
