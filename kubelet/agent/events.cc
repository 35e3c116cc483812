#include "kubelet/agent/events.h"

#include <atomic>
#include <iostream>
#include <random>

namespace hostlet::agent {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kRepeatWindow = std::chrono::minutes(10);
constexpr std::size_t kMaxRemembered = 4096;

}  // namespace

bool EventRecorder::CountRepeat(const std::string& key, const std::string& now) {
  Posted previous;
  {
    std::lock_guard lock(mutex_);
    auto found = posted_.find(key);
    if (found == posted_.end() || Clock::now() - found->second.last > kRepeatWindow) return false;
    found->second.count += 1;
    found->second.last = Clock::now();
    previous = found->second;
  }
  try {
    auto answer = api_->Patch(previous.path, {{"count", previous.count}, {"lastTimestamp", now}});
    if (answer.ok()) return true;
  } catch (const std::exception&) {
  }
  // Gone (expired, deleted) or unreachable: a new event says it again.
  std::lock_guard lock(mutex_);
  posted_.erase(key);
  return false;
}

void EventRecorder::Record(const json& pod, const PodEvent& event) {
  std::cerr << "hostlet: " << Text(pod, "/metadata/namespace", "default") << "/"
            << Text(pod, "/metadata/name") << ": " << event.reason << ": " << event.message << "\n";
  if (api_ == nullptr) return;
  static std::atomic<std::uint64_t> sequence{std::random_device{}()};
  const std::string ns = Text(pod, "/metadata/namespace", "default");
  const std::string now = FormatTime(std::chrono::system_clock::now());
  const std::string key = Text(pod, "/metadata/uid") + "\n" + event.type + "\n" + event.reason +
                          "\n" + event.message;
  if (CountRepeat(key, now)) return;
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, ".%016llx", static_cast<unsigned long long>(sequence++));
  json object = {{"apiVersion", "v1"},
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
                 {"reportingInstance", node_name_}};
  try {
    const std::string collection = "/api/v1/namespaces/" + ns + "/events";
    auto answer = api_->Post(collection, object);
    if (!answer.ok()) {
      std::cerr << "hostlet: posting an event: " << answer.Message() << "\n";
      return;
    }
    std::lock_guard lock(mutex_);
    if (posted_.size() >= kMaxRemembered) {
      for (auto it = posted_.begin(); it != posted_.end();) {
        it = Clock::now() - it->second.last > kRepeatWindow ? posted_.erase(it) : std::next(it);
      }
      if (posted_.size() >= kMaxRemembered) posted_.clear();
    }
    posted_[key] = {collection + "/" + object["metadata"].value("name", ""), 1, Clock::now()};
  } catch (const std::exception& failure) {
    std::cerr << "hostlet: posting an event: " << failure.what() << "\n";
  }
}

}  // namespace hostlet::agent
