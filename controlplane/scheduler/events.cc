#include "controlplane/scheduler/events.h"

#include "controlplane/apiserver/object_meta.h"

#include <chrono>
#include <cstdio>
#include <iostream>

namespace hostlet::scheduler {

using nlohmann::json;

json MakePodEvent(const PodInfo& pod, const std::string& type, const std::string& reason,
                  const std::string& action, const std::string& message,
                  const std::string& name_suffix, const std::string& now) {
  return {{"apiVersion", "v1"},
          {"kind", "Event"},
          {"metadata", {{"name", pod.name + "." + name_suffix}, {"namespace", pod.ns}}},
          {"involvedObject",
           {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"namespace", pod.ns},
            {"name", pod.name},
            {"uid", pod.uid}}},
          {"reason", reason},
          {"message", message},
          {"type", type},
          {"action", action},
          {"source", {{"component", "default-scheduler"}}},
          {"reportingComponent", "default-scheduler"},
          {"reportingInstance", "default-scheduler"},
          {"firstTimestamp", now},
          {"lastTimestamp", now},
          {"count", 1}};
}

EventRecorder::EventRecorder(apiserver::Registry& registry, std::function<bool()> busy,
                             std::chrono::milliseconds max_delay, std::size_t max_pending)
    : registry_(registry),
      events_(registry.table().Find("", "v1", "events")),
      pods_(registry.table().Find("", "v1", "pods")),
      busy_(std::move(busy)),
      max_delay_(max_delay),
      max_pending_(max_pending),
      thread_([this] { Run(); }) {}

EventRecorder::~EventRecorder() { Stop(); }

void EventRecorder::Record(const PodInfo& pod, const std::string& type, const std::string& reason,
                           const std::string& action, const std::string& message) {
  Enqueue(pod, MakePodEvent(pod, type, reason, action, message, "", ""), false);
}

void EventRecorder::RecordUnschedulable(const PodInfo& pod, const std::string& message) {
  Enqueue(pod, MakePodEvent(pod, "Warning", "FailedScheduling", "Scheduling", message, "", ""),
          true);
}

void EventRecorder::Enqueue(const PodInfo& pod, json event, bool unschedulable) {
  auto now = std::chrono::system_clock::now();
  // Names must be unique per namespace; the time keeps them apart across restarts and the
  // sequence within one.
  char suffix[40];
  std::snprintf(
      suffix, sizeof suffix, "%llx%04llx",
      static_cast<unsigned long long>(
          std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count()),
      static_cast<unsigned long long>(sequence_++ & 0xffff));
  std::string stamp = apiserver::FormatTime(now);
  event["metadata"]["name"] = pod.name + "." + suffix;
  event["firstTimestamp"] = stamp;
  event["lastTimestamp"] = stamp;
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  if (pending_.size() >= max_pending_) {
    ++dropped_;
    return;
  }
  pending_.push_back({pod.ns, std::move(event), unschedulable, std::chrono::steady_clock::now()});
  wake_.notify_one();
}

void EventRecorder::SetUnschedulable(const json& event) {
  const json& about = event["involvedObject"];
  const std::string uid = about.value("uid", "");
  const std::string message = event.value("message", "");
  const std::string now = event.value("lastTimestamp", "");
  registry_.Patch(
      *pods_, about.value("namespace", ""), about.value("name", ""),
      [&](const json& current) {
        // Bound meanwhile, or another pod of the same name: nothing to say about it.
        if (current["metadata"].value("uid", "") != uid ||
            !current.value("spec", json::object()).value("nodeName", "").empty())
          return current;
        json next = current;
        json& status = next["status"];
        if (!status.is_object()) status = json::object();
        if (!status.contains("phase")) status["phase"] = "Pending";
        json condition = {{"type", "PodScheduled"},    {"status", "False"},
                          {"reason", "Unschedulable"}, {"message", message},
                          {"lastProbeTime", nullptr},  {"lastTransitionTime", now}};
        json conditions = json::array();
        for (const auto& old : status.value("conditions", json::array())) {
          if (!old.is_object() || old.value("type", "") != "PodScheduled") {
            conditions.push_back(old);
          } else if (old.value("status", "") == "False" && old.contains("lastTransitionTime")) {
            condition["lastTransitionTime"] = old["lastTransitionTime"];
          }
        }
        conditions.push_back(std::move(condition));
        status["conditions"] = std::move(conditions);
        return next;  // the same as before when nothing changed: then nothing is written
      },
      "status");
}

namespace {

// How long a repeated event counts on the first one, and how many such events are remembered:
// the upstream correlator's ten minutes and 4096.
constexpr auto kRepeatWindow = std::chrono::minutes(10);
constexpr std::size_t kRemembered = 4096;

std::string SameEventKey(const std::string& ns, const json& event) {
  const json& about = event["involvedObject"];
  // Fields joined by a byte none of them holds.
  return ns + '\x1f' + about.value("uid", "") + '\x1f' + about.value("name", "") + '\x1f' +
         event.value("type", "") + '\x1f' + event.value("reason", "") + '\x1f' +
         event.value("message", "");
}

}  // namespace

void EventRecorder::Write(const std::string& ns, json event) {
  const std::string key = SameEventKey(ns, event);
  const auto now = std::chrono::steady_clock::now();
  if (auto found = written_.find(key);
      found != written_.end() && now - found->second.last < kRepeatWindow) {
    const std::string stamp = event.value("lastTimestamp", "");
    try {
      registry_.Patch(
          *events_, ns, found->second.name,
          [&](const json& current) {
            json next = current;
            next["count"] = current.value("count", 1) + 1;
            next["lastTimestamp"] = stamp;
            return next;
          },
          "");
      found->second.last = now;
      return;
    } catch (const apiserver::ApiException& error) {
      // Deleted meanwhile (by hand, or with its namespace): a new one is written below.
      if (error.error().code != 404) throw;
    }
  }
  if (written_.size() >= kRemembered) {
    std::erase_if(written_,
                  [&](const auto& entry) { return now - entry.second.last >= kRepeatWindow; });
    if (written_.size() >= kRemembered) written_.clear();
  }
  std::string name = event["metadata"].value("name", "");
  registry_.Create(*events_, ns, std::move(event));
  written_[key] = {std::move(name), now};
}

void EventRecorder::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void EventRecorder::Run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;
    if (!stopping_ && busy_ &&
        std::chrono::steady_clock::now() - pending_.front().queued < max_delay_) {
      lock.unlock();
      bool busy = busy_();
      lock.lock();
      if (busy) {
        wake_.wait_for(lock, std::chrono::milliseconds(5), [&] { return stopping_; });
        continue;
      }
    }
    Pending next = std::move(pending_.front());
    pending_.pop_front();
    lock.unlock();
    std::string about = next.event["involvedObject"].value("name", "");
    try {
      if (next.unschedulable) SetUnschedulable(next.event);
      Write(next.ns, std::move(next.event));
    } catch (const std::exception& error) {
      // The namespace may be going away with its pods; an event is never worth more than a line.
      std::cerr << "scheduler: event about " << about << " in \"" << next.ns
                << "\" not recorded: " << error.what() << std::endl;
    }
    lock.lock();
  }
}

}  // namespace hostlet::scheduler
