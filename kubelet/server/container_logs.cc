#include "kubelet/server/container_logs.h"

#include "controlplane/apiserver/api_status.h"
#include "controlplane/apiserver/query.h"
#include "kubelet/agent/runtime_state.h"
#include "kubelet/server/cri_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace hostlet::server {
namespace {

using apiserver::ApiException;
using nlohmann::json;
namespace cri_api = runtime::v1;

// How often a follower looks for new bytes, and how many idle looks between asking the runtime
// whether the instance still runs. Polling, not inotify: a log file written by a remote
// runtime may sit on a file system inotify does not see changes on.
constexpr std::chrono::milliseconds kPollPeriod(100);
constexpr int kPollsPerStateCheck = 10;

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An open log file: reads go through the descriptor, so a rotation (a rename) never makes the
// reader switch files without noticing.
struct LogFile {
  explicit LogFile(const std::string& path) : fd(open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    struct stat info {};
    if (fd >= 0 && fstat(fd, &info) == 0) inode = info.st_ino;
  }
  ~LogFile() {
    if (fd >= 0) close(fd);
  }
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  // Everything from `from` to the current end.
  std::string ReadFrom(std::int64_t from) const {
    std::string text;
    char buffer[65536];
    for (ssize_t n; (n = pread(fd, buffer, sizeof buffer, from)) > 0; from += n) {
      text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
  }

  int fd = -1;
  ino_t inode = 0;
};

// 0 when there is no such file.
ino_t InodeOf(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 ? info.st_ino : 0;
}

bool InstanceRunning(cri::RuntimeClient& runtime, const std::string& id) {
  cri_api::ContainerStatusRequest request;
  request.set_container_id(id);
  cri_api::ContainerStatusResponse response;
  if (!runtime.runtime.ContainerStatus(request, &response).ok()) return false;
  return response.status().state() == cri_api::CONTAINER_RUNNING ||
         response.status().state() == cri_api::CONTAINER_CREATED;
}

// Streams a log file from `offset` on a thread of its own until the instance ends, the byte
// limit is reached or the client goes away, following the log across rotations. Destroying it (the
// connection ended) stops the thread at once.
class LogFollower {
 public:
  LogFollower(cri::RuntimeClient& runtime, std::string container_id, std::string path,
              std::shared_ptr<LogFile> file, std::int64_t offset, LogFormatter formatter,
              std::shared_ptr<apiserver::BodyStream> body)
      : runtime_(runtime),
        container_id_(std::move(container_id)),
        path_(std::move(path)),
        file_(std::move(file)),
        offset_(offset),
        formatter_(std::move(formatter)),
        body_(std::move(body)),
        thread_([this] { Run(); }) {}

  ~LogFollower() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  // Sends the complete lines that arrived since the last call; false once nothing more may go.
  bool SendNew() {
    std::string fresh = file_->ReadFrom(offset_);
    size_t end = fresh.rfind('\n');
    if (end == std::string::npos) return true;
    offset_ += static_cast<std::int64_t>(end + 1);
    std::string out;
    for (const auto& record : ReadRecords(std::string_view(fresh).substr(0, end + 1), {})) {
      out += formatter_.Format(record);
    }
    if (!out.empty() && !body_->Write(std::move(out))) return false;
    return !formatter_.exhausted();
  }

  void Run() {
    int idle = 0;
    std::unique_lock lock(mutex_);
    while (!stop_) {
      lock.unlock();
      std::int64_t before = offset_;
      if (!SendNew()) break;
      bool ended = false;
      ino_t now = offset_ == before ? InodeOf(path_) : file_->inode;
      if (offset_ != before) {
        idle = 0;
      } else if (now != 0 && now != file_->inode) {
        // The log was rotated and the runtime writes to a new file: send what the old one got
        // last, then go on with the new one from its start.
        if (!SendNew()) break;
        auto rotated = std::make_shared<LogFile>(path_);
        if (rotated->fd >= 0) {
          file_ = std::move(rotated);
          offset_ = 0;
        }
        idle = 0;
        lock.lock();
        continue;
      } else if (++idle >= kPollsPerStateCheck) {
        idle = 0;
        // What the instance wrote before it ended is already in the file: send it, then end.
        if (!InstanceRunning(runtime_, container_id_)) {
          SendNew();
          ended = true;
        }
      }
      lock.lock();
      if (ended) break;
      wake_.wait_for(lock, kPollPeriod, [this] { return stop_; });
    }
    body_->End();
  }

  cri::RuntimeClient& runtime_;
  std::string container_id_, path_;
  std::shared_ptr<LogFile> file_;
  std::int64_t offset_;
  LogFormatter formatter_;
  std::shared_ptr<apiserver::BodyStream> body_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // last: it starts once everything it uses is ready
};

}  // namespace

apiserver::Response ServeContainerLogs(const NodeView& node, const apiserver::Request& request,
                                       const apiserver::PathParams& params) {
  const std::string& ns = params.at("namespace");
  const std::string& pod_name = params.at("pod");
  const std::string& container = params.at("container");
  LogOptions options;
  try {
    options = ParseLogOptions(apiserver::ParseQuery(request.query), NowNs());
  } catch (const std::invalid_argument& bad) {
    throw ApiException(apiserver::BadRequest(bad.what()));
  }
  std::string uid;
  for (const auto& pod : node.pods()) {
    const json metadata = pod.value("metadata", json::object());
    if (metadata.value("namespace", "default") == ns && metadata.value("name", "") == pod_name) {
      uid = metadata.value("uid", "");
    }
  }
  if (uid.empty()) {
    throw ApiException(apiserver::NotFound("pod \"" + ns + "/" + pod_name + "\" does not exist",
                                           {pod_name, "", "pods", {}}));
  }
  agent::PodRuntimeState state = agent::InspectPod(*node.runtime, uid);
  const agent::ContainerRecord* instance =
      options.previous ? state.Previous(container) : state.Latest(container);
  if (instance == nullptr && options.previous) {
    throw ApiException(apiserver::BadRequest("previous terminated container \"" + container +
                                             "\" in pod \"" + pod_name + "\" not found"));
  }
  if (instance == nullptr) {
    throw ApiException(apiserver::NotFound("container \"" + container + "\" in pod \"" + pod_name +
                                           "\" is not available"));
  }
  auto file = std::make_shared<LogFile>(instance->log_path);
  if (instance->log_path.empty() || file->fd < 0) {
    throw ApiException(apiserver::NotFound("the log of container \"" + container + "\" in pod \"" +
                                           pod_name + "\" cannot be read"));
  }
  std::string content = file->ReadFrom(0);
  // Only complete lines now; with follow, the rest goes out once its line ends.
  size_t complete = content.rfind('\n');
  complete = complete == std::string::npos ? 0 : complete + 1;
  LogFormatter formatter(options);
  std::string head;
  for (const auto& record :
       ReadRecords(std::string_view(content).substr(0, complete), options.tail_lines)) {
    head += formatter.Format(record);
  }
  apiserver::Response response;
  response.content_type = "text/plain";
  bool follow =
      options.follow && !formatter.exhausted() && instance->state == cri_api::CONTAINER_RUNNING;
  if (!follow) {
    response.body = std::move(head);
    return response;
  }
  // Following ends with the instance; a day is only a backstop for a runtime that never says so.
  response.stream_timeout = std::chrono::hours(24);
  response.stream =
      [runtime = node.runtime, id = instance->id, path = instance->log_path, file,
       head = std::move(head), offset = static_cast<std::int64_t>(complete),
       formatter](std::shared_ptr<apiserver::BodyStream> body) mutable -> std::shared_ptr<void> {
    if (!head.empty()) body->Write(std::move(head));
    // The file the head came from: a rotation since then is seen and followed.
    return std::make_shared<LogFollower>(*runtime, id, path, file, offset, formatter,
                                         std::move(body));
  };
  return response;
}

}  // namespace hostlet::server
