#include "kubelet/agent/pod_workers.h"

#include <iostream>

namespace hostlet::agent {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kMirrorAnnotation = "kubernetes.io/config.mirror";
constexpr const char* kHashAnnotation = "kubernetes.io/config.hash";

std::string Annotation(const json& pod, const char* key) {
  const json& annotations =
      pod.value("metadata", json::object()).value("annotations", json::object());
  auto found = annotations.find(key);
  return found != annotations.end() && found->is_string() ? found->get<std::string>() : "";
}

std::string PodPath(const json& pod) {
  return "/api/v1/namespaces/" + Text(pod, "/metadata/namespace", "default") + "/pods/" +
         Text(pod, "/metadata/name");
}

}  // namespace

std::string PodKey(const json& pod) {
  return Text(pod, "/metadata/namespace", "default") + "/" + Text(pod, "/metadata/name");
}

bool IsMirrorPod(const json& pod) { return !Annotation(pod, kMirrorAnnotation).empty(); }

struct PodWorkers::Worker {
  std::string uid;
  PodSource source = PodSource::kApi;
  std::mutex mutex;
  std::condition_variable wake;
  json pod;
  bool dirty = true, removed = false, stop = false, done = false;
  bool mirror_checked = false;
  PodMemory memory;
  json last_sent;
  std::thread thread;
  // For kubelet_pod_start_duration_seconds.
  Clock::time_point first_seen = Clock::now();
  bool start_observed = false;
};

PodWorkers::PodWorkers(PodSyncer& syncer, apiclient::ApiClient* api, std::string node_name)
    : syncer_(syncer), api_(api), node_name_(std::move(node_name)) {}

PodWorkers::~PodWorkers() { Shutdown(); }

void PodWorkers::Update(const json& pod, PodSource source) {
  Reap();
  const std::string uid = Text(pod, "/metadata/uid");
  if (uid.empty()) return;
  std::lock_guard lock(mutex_);
  if (shutting_down_) return;
  auto found = workers_.find(uid);
  if (found != workers_.end()) {
    auto& worker = *found->second;
    std::lock_guard worker_lock(worker.mutex);
    if (worker.removed)
      return;  // being torn down; a source that still wants it adds it again later
    worker.pod = pod;
    worker.dirty = true;
    worker.wake.notify_all();
    return;
  }
  auto worker = std::make_shared<Worker>();
  worker->uid = uid;
  worker->source = source;
  worker->pod = pod;
  workers_[uid] = worker;
  worker->thread = std::thread([this, worker] { Run(worker); });
}

void PodWorkers::Remove(const std::string& uid) {
  std::lock_guard lock(mutex_);
  auto found = workers_.find(uid);
  if (found == workers_.end()) return;
  auto& worker = *found->second;
  std::lock_guard worker_lock(worker.mutex);
  worker.removed = true;
  worker.dirty = true;
  worker.wake.notify_all();
}

void PodWorkers::Replace(const std::vector<json>& pods, PodSource source) {
  std::set<std::string> wanted;
  for (const auto& pod : pods) {
    wanted.insert(Text(pod, "/metadata/uid"));
    Update(pod, source);
  }
  std::vector<std::string> gone;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [uid, worker] : workers_) {
      if (worker->source == source && wanted.count(uid) == 0) gone.push_back(uid);
    }
  }
  for (const auto& uid : gone) Remove(uid);
}

void PodWorkers::Wake(const std::string& uid) {
  std::lock_guard lock(mutex_);
  auto found = workers_.find(uid);
  if (found == workers_.end()) return;
  std::lock_guard worker_lock(found->second->mutex);
  found->second->dirty = true;
  found->second->wake.notify_all();
}

void PodWorkers::WakeMirror(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mutex_);
  for (auto& [uid, worker] : workers_) {
    if (worker->source != PodSource::kFile) continue;
    std::lock_guard worker_lock(worker->mutex);
    if (PodKey(worker->pod) != ns + "/" + name) continue;
    worker->mirror_checked = false;
    worker->dirty = true;
    worker->wake.notify_all();
  }
}

std::set<std::string> PodWorkers::Known() const {
  std::lock_guard lock(mutex_);
  std::set<std::string> uids;
  for (const auto& [uid, worker] : workers_) uids.insert(uid);
  for (const auto& worker : finished_) uids.insert(worker->uid);
  return uids;
}

std::size_t PodWorkers::RunningPods() const {
  std::lock_guard lock(mutex_);
  std::size_t running = 0;
  for (const auto& [uid, worker] : workers_) {
    std::lock_guard worker_lock(worker->mutex);
    if (!worker->removed && !PodIsTerminating(worker->pod)) ++running;
  }
  return running;
}

std::vector<json> PodWorkers::Pods() const {
  std::lock_guard lock(mutex_);
  std::vector<json> pods;
  for (const auto& [uid, worker] : workers_) {
    std::lock_guard worker_lock(worker->mutex);
    if (!worker->removed) pods.push_back(worker->pod);
  }
  return pods;
}

void PodWorkers::Shutdown() {
  std::vector<std::shared_ptr<Worker>> all;
  {
    std::lock_guard lock(mutex_);
    shutting_down_ = true;
    for (auto& [uid, worker] : workers_) all.push_back(worker);
    for (auto& worker : finished_) all.push_back(worker);
    workers_.clear();
    finished_.clear();
  }
  for (auto& worker : all) {
    {
      std::lock_guard worker_lock(worker->mutex);
      worker->stop = true;
    }
    worker->wake.notify_all();
  }
  for (auto& worker : all) {
    if (worker->thread.joinable()) worker->thread.join();
  }
}

void PodWorkers::Reap() {
  std::vector<std::shared_ptr<Worker>> done;
  {
    std::lock_guard lock(mutex_);
    for (auto it = finished_.begin(); it != finished_.end();) {
      std::lock_guard worker_lock((*it)->mutex);
      if ((*it)->done) {
        done.push_back(*it);
        it = finished_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& worker : done) worker->thread.join();
}

void PodWorkers::ReportStatus(Worker& worker, const json& pod, const json& status) {
  if (!worker.start_observed && status.value("phase", "") == "Running") {
    worker.start_observed = true;
    std::chrono::duration<double> took = Clock::now() - worker.first_seen;
    // A pod a restarted agent adopted did not start now: observing it would fill the histogram
    // with near-zero starts after every restart.
    if (pod_started_ && !worker.memory.adopted) pod_started_(took.count());
  }
  worker.memory.last_status = status;
  if (api_ == nullptr) return;
  const json baseline =
      worker.last_sent.is_null() ? pod.value("status", json::object()) : worker.last_sent;
  if (status == baseline) return;
  // A merge patch replaces lists whole; fields the agent no longer reports are removed.
  json patch = status;
  for (const auto& [key, value] : baseline.items()) {
    if (!patch.contains(key)) patch[key] = nullptr;
  }
  auto answer = api_->Patch(PodPath(pod) + "/status", {{"status", patch}});
  if (answer.ok()) {
    worker.last_sent = status;
  } else if (answer.status == 404 && worker.source == PodSource::kFile) {
    worker.mirror_checked = false;
  } else if (answer.status != 404) {
    throw std::runtime_error("reporting the status of " + PodKey(pod) + ": " + answer.Message());
  }
}

void PodWorkers::PublishStatus(Worker& worker, const json& pod, const json& status) {
  if (worker.source == PodSource::kFile) EnsureMirror(worker, pod);
  ReportStatus(worker, pod, status);
}

void PodWorkers::EnsureMirror(Worker& worker, const json& pod) {
  if (api_ == nullptr || worker.mirror_checked) return;
  const std::string hash = Annotation(pod, kHashAnnotation);
  auto current = api_->Get(PodPath(pod));
  if (current.ok()) {
    json existing = current.Json();
    if (Annotation(existing, kMirrorAnnotation) == hash && !PodIsTerminating(existing)) {
      worker.mirror_checked = true;
      worker.last_sent = existing.value("status", json::object());
      return;
    }
    // A mirror of an older manifest, or someone else's pod of that name: replace it.
    api_->Delete(PodPath(pod),
                 {{"apiVersion", "v1"},
                  {"kind", "DeleteOptions"},
                  {"gracePeriodSeconds", 0},
                  {"preconditions", {{"uid", existing["metadata"].value("uid", "")}}}});
  } else if (current.status != 404) {
    throw std::runtime_error("reading mirror pod " + PodKey(pod) + ": " + current.Message());
  }
  json mirror = pod;
  mirror.erase("status");
  for (const char* field : {"uid", "resourceVersion", "creationTimestamp", "generation"})
    mirror["metadata"].erase(field);
  mirror["metadata"]["annotations"][kMirrorAnnotation] = hash;
  mirror["metadata"]["ownerReferences"] = json::array({{{"apiVersion", "v1"},
                                                        {"kind", "Node"},
                                                        {"name", node_name_},
                                                        {"uid", ""},
                                                        {"controller", true}}});
  if (auto node = api_->Get("/api/v1/nodes/" + node_name_); node.ok()) {
    mirror["metadata"]["ownerReferences"][0]["uid"] = node.Json()["metadata"].value("uid", "");
  } else {
    mirror["metadata"].erase("ownerReferences");
  }
  auto created = api_->Post(
      "/api/v1/namespaces/" + Text(pod, "/metadata/namespace", "default") + "/pods", mirror);
  if (!created.ok())
    throw std::runtime_error("creating mirror pod " + PodKey(pod) + ": " + created.Message());
  worker.mirror_checked = true;
  worker.last_sent = json::object();
}

void PodWorkers::Terminate(Worker& worker, const json& pod, bool removed_from_source) {
  std::int64_t grace = Integer(pod, "/spec/terminationGracePeriodSeconds", 30);
  if (pod.contains(json::json_pointer("/metadata/deletionGracePeriodSeconds"))) {
    grace = Integer(pod, "/metadata/deletionGracePeriodSeconds", grace);
  }
  for (auto delay = std::chrono::seconds(1);;
       delay = std::min(delay * 2, std::chrono::seconds(30))) {
    try {
      syncer_.Kill(worker.uid, &pod, grace, false);
      if (worker.source == PodSource::kApi && !removed_from_source) {
        ReportStatus(worker, pod, syncer_.StatusOf(pod, worker.memory, worker.memory.last_status));
      }
      syncer_.Kill(worker.uid, &pod, 0, true);
      if (api_ != nullptr && (worker.source == PodSource::kFile || !removed_from_source)) {
        // Everything is torn down: the apiserver may now forget the pod (or its mirror).
        json options = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}, {"gracePeriodSeconds", 0}};
        if (worker.source == PodSource::kApi) options["preconditions"] = {{"uid", worker.uid}};
        auto answer = api_->Delete(PodPath(pod), options);
        if (!answer.ok() && answer.status != 404 && answer.status != 409) {
          throw std::runtime_error("confirming the deletion of " + PodKey(pod) + ": " +
                                   answer.Message());
        }
      }
      std::cerr << "hostlet: pod " << PodKey(pod) << " (" << worker.uid << ") is gone\n";
      return;
    } catch (const std::exception& failure) {
      std::cerr << "hostlet: tearing down " << PodKey(pod) << ": " << failure.what() << "\n";
    }
    std::unique_lock lock(worker.mutex);
    if (worker.wake.wait_for(lock, delay, [&] { return worker.stop; })) return;
  }
}

void PodWorkers::Run(std::shared_ptr<Worker> worker) {
  auto next = Clock::now();
  for (;;) {
    json pod;
    bool removed;
    {
      std::unique_lock lock(worker->mutex);
      worker->wake.wait_until(lock, next, [&] { return worker->dirty || worker->stop; });
      if (worker->stop) return;
      worker->dirty = false;
      pod = worker->pod;
      removed = worker->removed;
    }
    if (removed || PodIsTerminating(pod)) {
      {
        // Updates no longer matter: the pod is going.
        std::lock_guard lock(worker->mutex);
        worker->removed = true;
      }
      Terminate(*worker, pod, removed);
      break;
    }
    try {
      // Before a pull, the pod shows ContainerCreating; an apiserver that cannot be told so
      // now is told the outcome after the pull.
      auto interim = [&](const json& status) {
        try {
          PublishStatus(*worker, pod, status);
        } catch (const std::exception& failure) {
          std::cerr << "hostlet: pod " << PodKey(pod) << ": " << failure.what() << "\n";
        }
      };
      SyncResult result = syncer_.Sync(pod, worker->memory, interim);
      PublishStatus(*worker, pod, result.status);
      next = result.next_sync;
    } catch (const std::exception& failure) {
      std::cerr << "hostlet: syncing pod " << PodKey(pod) << ": " << failure.what() << "\n";
      next = Clock::now() + std::chrono::seconds(2);
    }
  }
  std::lock_guard lock(mutex_);
  auto found = workers_.find(worker->uid);
  if (found != workers_.end() && found->second == worker) {
    workers_.erase(found);
    finished_.push_back(worker);
  }
  std::lock_guard worker_lock(worker->mutex);
  worker->done = true;
}

}  // namespace hostlet::agent
