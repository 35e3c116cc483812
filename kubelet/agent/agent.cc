#include "kubelet/agent/agent.h"

#include "kubelet/agent/runtime_state.h"

#include <iostream>

namespace hostlet::agent {

namespace cri_api = runtime::v1;
using nlohmann::json;

Agent::Agent(const AgentConfig& config, std::shared_ptr<cri::RuntimeClient> runtime,
             const std::string& node_ip, metrics::KubeletMetrics* metrics,
             metrics::ProberMetrics* probe_metrics)
    : config_(config), runtime_(std::move(runtime)), node_ips_(DetectNodeIps(node_ip)) {
  cri_api::VersionResponse version;
  Check(runtime_->runtime.Version({}, &version), "the container runtime's Version");
  runtime_name_ = version.runtime_name();
  runtime_version_ = version.runtime_version();
  allocatable_ = NodeStatus(Facts(), json::object(), "")["allocatable"];
  if (!config_.kubeconfig.empty()) {
    api_ = std::make_unique<apiclient::ApiClient>(apiclient::LoadKubeconfig(config_.kubeconfig),
                                                  "hostlet/" + config_.node_name);
  }
  std::filesystem::create_directories(config_.root_dir / "pods");
  std::filesystem::create_directories(config_.pod_logs_dir);
  volumes_ = std::make_unique<VolumeManager>(
      config_.root_dir / "pods",
      [this](const std::string& kind, const std::string& ns, const std::string& name) {
        return GetObject(kind, ns, name);
      });
  events_ = std::make_unique<EventRecorder>(api_.get(), config_.node_name);
  SyncerOptions options;
  options.sandbox.pod_logs_dir = config_.pod_logs_dir;
  options.sandbox.cgroup_root = config_.cgroup_root;
  options.sandbox.seccomp_profile_root = config_.root_dir / "seccomp";
  options.runtime_name = runtime_name_;
  options.node_name = config_.node_name;
  options.host_ips = [this] { return node_ips_; };
  options.node_allocatable = [this] { return allocatable_; };
  options.record_event = [this](const json& pod, const PodEvent& event) {
    events_->Record(pod, event);
  };
  prober_ = std::make_unique<Prober>(
      *runtime_,
      [this](const std::string& uid) {
        if (workers_) workers_->Wake(uid);
      },
      [this](const json& pod, const std::string& type, const std::string& reason,
             const std::string& message) {
        events_->Record(pod, PodEvent{type, reason, message});
      },
      probe_metrics);
  syncer_ = std::make_unique<PodSyncer>(
      *runtime_, *volumes_, *prober_,
      [this](const std::string& kind, const std::string& ns, const std::string& name) {
        return GetObject(kind, ns, name);
      },
      options);
  workers_ = std::make_unique<PodWorkers>(*syncer_, api_.get(), config_.node_name);
  std::function<void(double)> relisted;
  if (metrics != nullptr) {
    workers_->OnPodStarted([metrics](double seconds) { metrics->ObservePodStart(seconds); });
    relisted = [metrics](double seconds) { metrics->ObservePlegRelist(seconds); };
  }
  pleg_ = std::make_unique<Pleg>(
      *runtime_, [this](const std::string& uid) { workers_->Wake(uid); }, std::chrono::seconds(1),
      relisted);
  if (api_) {
    NodeReporterOptions reporter;
    reporter.status_check_period =
        std::chrono::seconds(config_.node_status_update_frequency_seconds);
    reporter.lease_duration_seconds = config_.node_lease_duration_seconds;
    node_reporter_ = std::make_unique<NodeReporter>(
        *api_, [this] { return Facts(); }, reporter);
    api_source_ = std::make_unique<ApiPodSource>(*api_, *workers_, config_.node_name);
  }
  if (!config_.static_pod_path.empty()) {
    file_source_ =
        std::make_unique<FilePodSource>(config_.static_pod_path, *workers_, config_.node_name);
  }
  if (auto max_bytes = ContainerLogMaxBytes(config_); max_bytes && *max_bytes > 0) {
    log_rotator_ = std::make_unique<LogRotator>(
        runtime_, *max_bytes, config_.container_log_max_files,
        std::chrono::seconds(config_.container_log_monitor_interval_seconds));
  }
  housekeeping_ = std::thread([this] { Housekeeping(); });
}

Agent::~Agent() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  housekeeping_.join();
  log_rotator_.reset();
  api_source_.reset();
  file_source_.reset();
  node_reporter_.reset();
  pleg_.reset();
  workers_->Shutdown();
  prober_.reset();
}

std::vector<json> Agent::Pods() const { return workers_->Pods(); }

NodeFacts Agent::Facts() {
  NodeFacts facts;
  facts.name = config_.node_name;
  facts.ips = node_ips_;
  facts.labels = config_.node_labels;
  facts.max_pods = config_.max_pods;
  facts.kubelet_port = config_.port;
  facts.root_dir = config_.root_dir;
  facts.runtime_version = runtime_name_ + "://" + runtime_version_;
  cri_api::StatusResponse status;
  grpc::Status answer = runtime_->runtime.Status({}, &status);
  if (!answer.ok()) {
    facts.runtime_problem = "container runtime is down: " + answer.error_message();
    return facts;
  }
  facts.runtime_ready = true;
  for (const auto& condition : status.status().conditions()) {
    if (condition.status()) continue;
    facts.runtime_ready = false;
    std::string what = condition.type() == "NetworkReady" ? "container runtime network not ready"
                                                          : "container runtime not ready";
    facts.runtime_problem = what + ": " + condition.type() + "=false reason:" + condition.reason() +
                            " message:" + condition.message();
  }
  return facts;
}

std::optional<json> Agent::GetObject(const std::string& kind, const std::string& ns,
                                     const std::string& name) {
  if (!api_) return std::nullopt;  // standalone: nothing to read configMaps and secrets from
  auto answer = api_->Get("/api/v1/namespaces/" + ns + "/" + kind + "/" + name);
  if (answer.status == 404) return std::nullopt;
  if (!answer.ok())
    throw std::runtime_error("reading " + kind + " " + ns + "/" + name + ": " + answer.Message());
  return answer.Json();
}

void Agent::Housekeeping() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::seconds(2), [this] { return stopping_; });
    if (stopping_) break;
    // Only once every source has said what it wants can the agent tell what nobody wants.
    if ((api_source_ && !api_source_->synced()) || (file_source_ && !file_source_->synced()))
      continue;
    lock.unlock();
    try {
      // What exists first, then who is wanted: a pod whose worker starts in between is then
      // known rather than taken for an orphan.
      std::set<std::string> orphans;
      for (const auto& uid : RuntimePodUids(*runtime_)) orphans.insert(uid);
      for (const auto& uid : volumes_->PodDirectories()) orphans.insert(uid);
      std::set<std::string> known = workers_->Known();
      for (const auto& uid : orphans) {
        if (known.count(uid) != 0) continue;
        std::cerr << "hostlet: removing pod " << uid << ", which no source wants\n";
        syncer_->Kill(uid, nullptr, 2, true);
      }
    } catch (const std::exception& failure) {
      std::cerr << "hostlet: housekeeping: " << failure.what() << "\n";
    }
    lock.lock();
    wake_.wait_for(lock, std::chrono::seconds(8), [this] { return stopping_; });
  }
}

}  // namespace hostlet::agent
