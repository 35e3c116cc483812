// Container log rotation, as the kubelet's container log manager does it: every period, each
// running container whose log file has reached `max_bytes` has the file renamed to
// <log>.<YYYYMMDD-hhmmss> (UTC) and the runtime opens a fresh one (CRI ReopenContainerLog); if
// the runtime cannot, the file is renamed back. Of the rotated files only the newest
// `max_files` - 1 are kept, so a container's logs take at most about max_files * max_bytes; all
// but the newest of them are gzipped (<log>.YYYYMMDD-hhmmss.gz), as the kubelet does.
#pragma once

#include "kubelet/cri/runtime_client.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace hostlet::agent {

class LogRotator {
 public:
  // Starts its thread; `max_bytes` > 0, `max_files` >= 2.
  LogRotator(std::shared_ptr<cri::RuntimeClient> runtime, std::int64_t max_bytes, int max_files,
             std::chrono::seconds period);
  ~LogRotator();  // stops the thread
  LogRotator(const LogRotator&) = delete;
  LogRotator& operator=(const LogRotator&) = delete;

 private:
  // One pass over the running containers.
  void RotateOnce();
  // Rotates `path` if it is due.
  void RotateIfDue(const std::string& container_id, const std::string& path);
  // Removes the rotated files beyond the limit and compresses the others but the newest.
  void CompressAndPrune(const std::string& path);

  std::shared_ptr<cri::RuntimeClient> runtime_;
  const std::int64_t max_bytes_;
  const int max_files_;
  const std::chrono::seconds period_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: it starts once everything it uses is ready
};

// Removes a removed container's log and its rotated files (`path`.YYYYMMDD-hhmmss[.gz]), so a
// container that keeps restarting does not leave a full set of logs per instance.
void RemoveContainerLogs(const std::string& path);

}  // namespace hostlet::agent
