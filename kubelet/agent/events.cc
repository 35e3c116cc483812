#include "kubelet/agent/events.h"

#include <atomic>
#include <iostream>
#include <random>

namespace hostlet::agent {

using nlohmann::json;

void EventRecorder::Record(const json& pod, const PodEvent& event) {
  std::cerr << "hostlet: " << Text(pod, "/metadata/namespace", "default") << "/"
            << Text(pod, "/metadata/name") << ": " << event.reason << ": " << event.message << "\n";
  if (api_ == nullptr) return;
  static std::atomic<std::uint64_t> sequence{std::random_device{}()};
  const std::string ns = Text(pod, "/metadata/namespace", "default");
  const std::string now = FormatTime(std::chrono::system_clock::now());
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
    auto answer = api_->Post("/api/v1/namespaces/" + ns + "/events", object);
    if (!answer.ok()) std::cerr << "hostlet: posting an event: " << answer.Message() << "\n";
  } catch (const std::exception& failure) {
    std::cerr << "hostlet: posting an event: " << failure.what() << "\n";
  }
}

}  // namespace hostlet::agent
