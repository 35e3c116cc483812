#include "kubelet/agent/pod_sources.h"

#include "kubelet/config/static_pods.h"

#include <iostream>
#include <set>

namespace hostlet::agent {

using nlohmann::json;

ApiPodSource::ApiPodSource(apiclient::ApiClient& api, PodWorkers& workers, std::string node_name)
    : api_(api), workers_(workers), node_name_(std::move(node_name)), thread_([this] { Run(); }) {}

ApiPodSource::~ApiPodSource() {
  stopping_ = true;
  cancel_.Cancel();
  thread_.join();
}

std::string ApiPodSource::List() {
  auto answer = api_.Get("/api/v1/pods?fieldSelector=spec.nodeName%3D" + node_name_);
  if (!answer.ok()) throw std::runtime_error("listing pods: " + answer.Message());
  json list = answer.Json();
  std::vector<json> pods;
  for (auto& pod : list.value("items", json::array())) {
    if (IsMirrorPod(pod)) continue;
    pods.push_back(std::move(pod));
  }
  workers_.Replace(pods, PodSource::kApi);
  synced_ = true;
  return list.value("metadata", json::object()).value("resourceVersion", "");
}

void ApiPodSource::Run() {
  std::string revision;
  auto delay = std::chrono::milliseconds(500);
  while (!stopping_ && !cancel_.cancelled()) {
    try {
      if (revision.empty()) revision = List();
      std::string path =
          "/api/v1/"
          "pods?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&fieldSelector=spec.nodeName%"
          "3D" +
          node_name_ + "&resourceVersion=" + revision;
      auto answer = api_.Watch(
          path,
          [&](const json& event) {
            const std::string type = event.value("type", "");
            const json& object = event.contains("object") ? event["object"] : json::object();
            std::string rv = object.value("metadata", json::object()).value("resourceVersion", "");
            if (type == "ERROR") {
              revision.clear();  // 410 Gone and the like: list again
              return;
            }
            if (!rv.empty()) revision = rv;
            if (type == "BOOKMARK") return;
            if (IsMirrorPod(object)) {
              // Someone deleted a mirror pod: its static pod's worker makes it again.
              if (type == "DELETED" || PodIsTerminating(object)) {
                workers_.WakeMirror(object["metadata"].value("namespace", "default"),
                                    object["metadata"].value("name", ""));
              }
              return;
            }
            if (type == "DELETED") {
              workers_.Remove(object["metadata"].value("uid", ""));
            } else {
              workers_.Update(object, PodSource::kApi);
            }
          },
          cancel_);
      if (answer.status != 200 && answer.status != 0) {
        std::cerr << "hostlet: watching pods: " << answer.Message() << "\n";
        revision.clear();
      }
      delay = std::chrono::milliseconds(500);
      continue;
    } catch (const std::exception& failure) {
      if (stopping_) break;
      std::cerr << "hostlet: pods from the apiserver: " << failure.what() << "\n";
    }
    // Back off while the apiserver is away, up to 10 s.
    for (auto waited = std::chrono::milliseconds(0); waited < delay && !stopping_;
         waited += std::chrono::milliseconds(100)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    delay = std::min(delay * 2, std::chrono::milliseconds(10000));
  }
}

FilePodSource::FilePodSource(std::filesystem::path dir, PodWorkers& workers, std::string node_name,
                             std::chrono::seconds period)
    : dir_(std::move(dir)),
      workers_(workers),
      node_name_(std::move(node_name)),
      period_(period),
      thread_([this] { Run(); }) {}

FilePodSource::~FilePodSource() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void FilePodSource::Run() {
  std::set<std::string> reported;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      // No directory yet means no static pods yet.
      StaticPodScan scan =
          std::filesystem::is_directory(dir_) ? ReadStaticPods(dir_, node_name_) : StaticPodScan{};
      for (const auto& error : scan.errors) {
        if (reported.insert(error).second) std::cerr << "hostlet: static pod " << error << "\n";
      }
      workers_.Replace(scan.pods, PodSource::kFile);
      synced_ = true;
    } catch (const std::exception& failure) {
      std::cerr << "hostlet: static pods in " << dir_.string() << ": " << failure.what() << "\n";
    }
    lock.lock();
    wake_.wait_for(lock, period_, [this] { return stopping_; });
  }
}

}  // namespace hostlet::agent
