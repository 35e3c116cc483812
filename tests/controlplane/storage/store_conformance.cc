#include "tests/controlplane/storage/store_conformance.h"

namespace hostlet::storage::testing {

std::uintmax_t DiskUsage(const std::filesystem::path& dir) {
  std::uintmax_t total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

WatchCallback EventLog::Callback() {
  return [this](const Event& event) {
    std::lock_guard lock(mutex_);
    events_.push_back(event);
    arrived_.notify_all();
  };
}

bool EventLog::WaitFor(std::size_t count, std::chrono::seconds timeout) {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return events_.size() >= count; });
}

std::vector<Event> EventLog::events() {
  std::lock_guard lock(mutex_);
  return events_;
}

}  // namespace hostlet::storage::testing
