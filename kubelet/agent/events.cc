#include "kubelet/agent/events.h"

#include <atomic>
#include <chrono>
#include <iostream>
#include <random>

namespace hostlet::agent {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kRepeatWindow = std::chrono::minutes(10);
constexpr std::size_t kMaxRemembered = 4096;
// The kubelet's broadcaster holds as many.
constexpr std::size_t kMaxQueued = 1000;
constexpr auto kDrainOnStop = std::chrono::seconds(2);

void LogDropped(const json& event, const char* why) {
  std::cerr << "hostlet: event dropped (" << why << "): " << event.value("reason", "") << " "
            << event["involvedObject"].value("name", "") << ": " << event.value("message", "")
            << "\n";
}

}  // namespace

EventRecorder::EventRecorder(apiclient::ApiClient* api, std::string node_name)
    : api_(api), node_name_(std::move(node_name)) {
  if (api_ != nullptr) sender_ = std::thread(&EventRecorder::Send, this);
}

EventRecorder::~EventRecorder() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    give_up_ = Clock::now() + kDrainOnStop;
  }
  queued_.notify_all();
  if (sender_.joinable()) sender_.join();
}

void EventRecorder::Record(const json& pod, const PodEvent& event) {
  std::cerr << "hostlet: " << Text(pod, "/metadata/namespace", "default") << "/"
            << Text(pod, "/metadata/name") << ": " << event.reason << ": " << event.message << "\n";
  if (api_ == nullptr) return;
  static std::atomic<std::uint64_t> sequence{std::random_device{}()};
  const std::string ns = Text(pod, "/metadata/namespace", "default");
  // Stamped now, not when it is posted.
  const std::string now = FormatTime(std::chrono::system_clock::now());
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, ".%016llx", static_cast<unsigned long long>(sequence++));
  Queued queued{
      Text(pod, "/metadata/uid") + "\n" + event.type + "\n" + event.reason + "\n" + event.message,
      {{"apiVersion", "v1"},
       {"kind", "Event"},
       {"metadata", {{"name", Text(pod, "/metadata/name") + suffix}, {"namespace", ns}}},
       {"involvedObject",
        {{"apiVersion", "v1"},
         {"kind", "Pod"},
         {"namespace", ns},
         {"name", Text(pod, "/metadata/name")},
         {"uid", Text(pod, "/metadata/uid")}}},
       {"reason", event.reason},
       {"message", event.message},
       {"type", event.type},
       {"source", {{"component", "kubelet"}, {"host", node_name_}}},
       {"firstTimestamp", now},
       {"lastTimestamp", now},
       {"count", 1},
       {"reportingComponent", "kubelet"},
       {"reportingInstance", node_name_}}};
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= kMaxQueued) {
      LogDropped(queued.object, "too many waiting to be posted");
      return;
    }
    queue_.push_back(std::move(queued));
  }
  queued_.notify_one();
}

void EventRecorder::Send() {
  std::unique_lock lock(mutex_);
  for (;;) {
    queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and all posted
    if (stopping_ && Clock::now() > give_up_) {
      for (const Queued& left : queue_) LogDropped(left.object, "the agent is stopping");
      queue_.clear();
      return;
    }
    Queued event = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Post(event);
    lock.lock();
  }
}

void EventRecorder::Post(const Queued& event) {
  if (CountRepeat(event.key, event.object.value("lastTimestamp", ""))) return;
  const std::string ns = event.object["metadata"].value("namespace", "default");
  try {
    const std::string collection = "/api/v1/namespaces/" + ns + "/events";
    auto answer = api_->Post(collection, event.object);
    if (!answer.ok()) {
      std::cerr << "hostlet: posting an event: " << answer.Message() << "\n";
      return;
    }
    if (posted_.size() >= kMaxRemembered) {
      for (auto it = posted_.begin(); it != posted_.end();) {
        it = Clock::now() - it->second.last > kRepeatWindow ? posted_.erase(it) : std::next(it);
      }
      if (posted_.size() >= kMaxRemembered) posted_.clear();
    }
    posted_[event.key] = {collection + "/" + event.object["metadata"].value("name", ""), 1,
                          Clock::now()};
  } catch (const std::exception& failure) {
    std::cerr << "hostlet: posting an event: " << failure.what() << "\n";
  }
}

bool EventRecorder::CountRepeat(const std::string& key, const std::string& now) {
  auto found = posted_.find(key);
  if (found == posted_.end() || Clock::now() - found->second.last > kRepeatWindow) return false;
  found->second.count += 1;
  found->second.last = Clock::now();
  try {
    auto answer =
        api_->Patch(found->second.path, {{"count", found->second.count}, {"lastTimestamp", now}});
    if (answer.ok()) return true;
  } catch (const std::exception&) {
  }
  // Gone (expired, deleted) or unreachable: a new event says it again.
  posted_.erase(found);
  return false;
}

}  // namespace hostlet::agent
