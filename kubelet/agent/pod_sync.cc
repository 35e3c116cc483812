#include "kubelet/agent/pod_sync.h"

#include "kubelet/agent/log_rotation.h"

#include "kubelet/agent/pod_cgroups.h"

#include <algorithm>
#include <future>
#include <iostream>
#include <system_error>

namespace hostlet::agent {

namespace cri_api = runtime::v1;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

bool PodIsTerminating(const json& pod) {
  return pod.contains("metadata") && pod["metadata"].is_object() &&
         pod["metadata"].contains("deletionTimestamp") &&
         !pod["metadata"]["deletionTimestamp"].is_null();
}

PodSyncer::PodSyncer(cri::RuntimeClient& runtime, VolumeManager& volumes, Prober& prober,
                     ObjectGetter get, SyncerOptions options)
    : runtime_(runtime),
      volumes_(volumes),
      prober_(prober),
      get_(std::move(get)),
      options_(std::move(options)) {}

std::int64_t GracePeriod(const json& pod) {
  return std::max<std::int64_t>(0, Integer(pod, "/spec/terminationGracePeriodSeconds", 30));
}

std::string HandlersProblem(const json& container) {
  for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
    const json& handler = container.value(probe, json());
    if (handler.is_null()) continue;
    std::string problem = HandlerProblem(handler, container, false);
    if (!problem.empty()) return std::string("invalid ") + probe + ": " + problem;
  }
  const json& lifecycle = container.value("lifecycle", json::object());
  for (const char* hook : {"postStart", "preStop"}) {
    if (!lifecycle.is_object() || !lifecycle.contains(hook) || lifecycle[hook].is_null()) continue;
    std::string problem = HandlerProblem(lifecycle[hook], container, true);
    if (!problem.empty()) return std::string("invalid lifecycle.") + hook + ": " + problem;
  }
  return "";
}

void PodSyncer::Event(const json& pod, const std::string& type, const std::string& reason,
                      const std::string& message) {
  if (options_.record_event) options_.record_event(pod, PodEvent{type, reason, message});
}

namespace {

std::string PullPolicy(const json& container) {
  std::string policy = container.value("imagePullPolicy", "");
  if (!policy.empty()) return policy;
  std::string image = container.value("image", "");
  auto slash = image.rfind('/');
  auto colon = image.rfind(':');
  bool tagged = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  if (image.find('@') != std::string::npos) return "IfNotPresent";
  return !tagged || image.ends_with(":latest") ? "Always" : "IfNotPresent";
}

// The status the conditions' transition times continue from.
json Previous(const json& pod, const PodMemory& memory) {
  if (memory.last_status.is_object()) return memory.last_status;
  return pod.value("status", json::object());
}

}  // namespace

void PodSyncer::EnsureImage(const json& pod, const json& container,
                            const std::function<void()>& before_pull) {
  std::string image = container.value("image", "");
  std::string name = container.value("name", "");
  if (image.empty())
    throw PodConfigError("InvalidImageName", "container " + name + " has no image");
  cri_api::ImageStatusRequest status_request;
  status_request.mutable_image()->set_image(image);
  cri_api::ImageStatusResponse status;
  Check(runtime_.images.ImageStatus(status_request, &status), "ImageStatus " + image);
  bool present = status.has_image() && !status.image().id().empty();
  std::string policy = PullPolicy(container);
  if (present && policy != "Always") return;
  if (!present && policy == "Never") {
    throw PodConfigError("ErrImageNeverPull", "Container image \"" + image +
                                                  "\" is not present with pull policy of Never");
  }
  Event(pod, "Normal", "Pulling", "Pulling image \"" + image + "\"");
  if (before_pull) before_pull();
  cri_api::PullImageRequest pull;
  pull.mutable_image()->set_image(image);
  cri_api::PullImageResponse pulled;
  grpc::Status result = runtime_.images.PullImage(pull, &pulled);
  if (result.ok()) {
    Event(pod, "Normal", "Pulled", "Successfully pulled image \"" + image + "\"");
    return;
  }
  // An image that is already here (imported from an archive, say) still runs when its
  // registry cannot be reached, so a node without a registry can run `:latest` images.
  if (present) {
    Event(pod, "Normal", "Pulled",
          "Container image \"" + image +
              "\" already present on machine; pulling it again failed: " + result.error_message());
    return;
  }
  Event(pod, "Warning", "Failed",
        "Failed to pull image \"" + image + "\": " + result.error_message());
  throw PodConfigError("ErrImagePull",
                       "Failed to pull image \"" + image + "\": " + result.error_message());
}

void PodSyncer::StartContainer(const json& pod, const json& container, bool init, int restart_count,
                               const std::string& sandbox_id,
                               const cri_api::PodSandboxConfig& sandbox_config,
                               const std::map<std::string, std::string>& volumes,
                               const std::vector<std::string>& pod_ips) {
  std::string name = container.value("name", "");
  PodRuntimeFacts facts;
  facts.node_name = options_.node_name;
  facts.pod_ips = pod_ips;
  if (!pod_ips.empty()) facts.pod_ip = pod_ips.front();
  auto host_ips = options_.host_ips ? options_.host_ips() : std::vector<std::string>{};
  if (!host_ips.empty()) facts.host_ip = host_ips.front();
  auto env =
      ContainerEnv(pod, container, facts,
                   options_.node_allocatable ? options_.node_allocatable() : json::object(), get_);
  auto mounts = volumes_.MountsFor(container, volumes);
  cri_api::CreateContainerRequest create;
  create.set_pod_sandbox_id(sandbox_id);
  *create.mutable_config() = ContainerConfig(pod, container, restart_count, init, env, mounts,
                                                   options_.sandbox);
  *create.mutable_sandbox_config() = sandbox_config;
  cri_api::CreateContainerResponse created;
  grpc::Status status = runtime_.runtime.CreateContainer(create, &created);
  if (!status.ok()) {
    Event(pod, "Warning", "Failed", "Error: " + status.error_message());
    throw PodConfigError("CreateContainerError", status.error_message());
  }
  Event(pod, "Normal", "Created", "Created container " + name);
  cri_api::StartContainerRequest start;
  start.set_container_id(created.container_id());
  cri_api::StartContainerResponse started;
  status = runtime_.runtime.StartContainer(start, &started);
  if (!status.ok()) {
    // The next try makes a new one; this one would only hold the name's restart count.
    cri_api::RemoveContainerRequest remove;
    remove.set_container_id(created.container_id());
    cri_api::RemoveContainerResponse removed;
    runtime_.runtime.RemoveContainer(remove, &removed);
    Event(pod, "Warning", "Failed", "Error: " + status.error_message());
    throw PodConfigError("RunContainerError", status.error_message());
  }
  Event(pod, "Normal", "Started", "Started container " + name);
  RunPostStart(pod, container, created.container_id(), pod_ips);
}

void PodSyncer::StopContainer(const std::string& id, std::int64_t grace_seconds) {
  cri_api::StopContainerRequest stop;
  stop.set_container_id(id);
  stop.set_timeout(grace_seconds);
  cri_api::StopContainerResponse stopped;
  runtime_.runtime.StopContainer(stop, &stopped);
}

void PodSyncer::RunPostStart(const json& pod, const json& container,
                             const std::string& container_id,
                             const std::vector<std::string>& pod_ips) {
  const json& lifecycle = container.value("lifecycle", json::object());
  if (!lifecycle.is_object() || !lifecycle.value("postStart", json()).is_object()) return;
  ActionTarget target{&container, container_id, pod_ips.empty() ? "" : pod_ips.front()};
  ActionResult outcome =
      RunAction(runtime_, lifecycle["postStart"], target,
                std::chrono::seconds(std::max<std::int64_t>(1, GracePeriod(pod))));
  if (outcome.success) return;
  // As the kubelet: a container whose postStart hook failed is killed, and restarted by policy.
  std::string message = "PostStartHook failed: " + outcome.message;
  Event(pod, "Warning", "FailedPostStartHook", message);
  StopContainer(container_id, GracePeriod(pod));
  throw PodConfigError("PostStartHookError", message);
}

bool PodSyncer::KillUnhealthy(const json& pod, const PodRuntimeState& state) {
  bool killed = false;
  for (const auto& container : Items(pod, "/spec/containers")) {
    const ContainerRecord* latest = state.Latest(container.value("name", ""));
    if (latest == nullptr || latest->state != cri_api::CONTAINER_RUNNING) continue;
    std::string reason = prober_.KillReason(pod, *latest);
    if (reason.empty()) continue;
    Event(pod, "Normal", "Killing", reason);
    // A probe may shorten the grace period for the kills it asks for.
    std::int64_t grace = GracePeriod(pod);
    for (const char* probe : {"livenessProbe", "startupProbe"}) {
      const json& spec = container.value(probe, json::object());
      if (spec.is_object() && spec.contains("terminationGracePeriodSeconds") &&
          spec["terminationGracePeriodSeconds"].is_number_integer())
        grace = spec["terminationGracePeriodSeconds"].get<std::int64_t>();
    }
    StopContainer(latest->id, grace);
    killed = true;
  }
  return killed;
}

bool PodSyncer::RestartDue(const json& pod, const ContainerRecord& exited, PodMemory& memory,
                           Clock::time_point* next) {
  auto ran = std::chrono::seconds(
      std::max<std::int64_t>(0, (exited.finished_at - exited.started_at) / 1000000000));
  auto& backoff = memory.restarts[exited.name];
  auto at = backoff.RestartAt(exited.id, ran, Clock::now());
  if (Clock::now() >= at) return true;
  *next = std::min(*next, at);
  memory.waiting[exited.name] = {"CrashLoopBackOff",
                                 "back-off " + std::to_string(backoff.current_delay().count()) +
                                     "s restarting failed container=" + exited.name +
                                     " pod=" + Text(pod, "/metadata/name") + "_" +
                                     Text(pod, "/metadata/namespace", "default") + "(" +
                                     Text(pod, "/metadata/uid") + ")"};
  return false;
}

void PodSyncer::RemoveOldInstances(const PodRuntimeState& state) {
  // Keep the newest two instances of each container (the current one and the one `kubectl logs
  // --previous` shows); older exited ones only hold disk.
  std::map<std::string, int> seen;
  for (const auto& container : state.containers) {
    if (++seen[container.name] <= 2 || container.state == cri_api::CONTAINER_RUNNING) continue;
    cri_api::RemoveContainerRequest remove;
    remove.set_container_id(container.id);
    cri_api::RemoveContainerResponse removed;
    if (runtime_.runtime.RemoveContainer(remove, &removed).ok()) {
      RemoveContainerLogs(container.log_path);
    }
  }
}

StatusInputs PodSyncer::Inputs(const json& pod, const PodRuntimeState& state,
                               PodMemory& memory) const {
  StatusInputs inputs;
  inputs.pod = &pod;
  inputs.runtime = &state;
  inputs.waiting = memory.waiting;
  inputs.runtime_name = options_.runtime_name;
  inputs.host_ips = options_.host_ips ? options_.host_ips() : std::vector<std::string>{};
  inputs.start_time = memory.start_time;
  inputs.sandbox_ready = state.ReadySandbox() != nullptr;
  for (const auto& container : state.containers) {
    if (container.state != cri_api::CONTAINER_RUNNING) continue;
    if (!prober_.Started(pod, container)) inputs.not_started.insert(container.name);
    if (!prober_.Ready(pod, container)) inputs.not_ready.insert(container.name);
  }
  return inputs;
}

bool PodSyncer::Admitted(const json& pod, const PodRuntimeState& state, PodMemory& memory,
                         SyncResult& result) {
  if (!memory.admission) {
    std::string phase = Text(pod, "/status/phase");
    if (!state.sandboxes.empty() || !state.containers.empty()) {
      admitter_.Adopt(pod);  // it ran before this agent started: keep it
      memory.admission = Admission{};
      memory.adopted = true;
    } else if (phase == "Failed" || phase == "Succeeded") {
      // Finished before (rejected, say) and nothing of it is left: it stays as it is.
      memory.admission =
          Admission{false, Text(pod, "/status/reason"), Text(pod, "/status/message")};
    } else {
      memory.admission = admitter_.Admit(
          pod, options_.node_allocatable ? options_.node_allocatable() : json::object());
      if (!memory.admission->admitted)
        Event(pod, "Warning", memory.admission->reason, memory.admission->message);
    }
  }
  if (memory.admission->admitted) return true;
  json status = Previous(pod, memory);
  if (!status.is_object()) status = json::object();
  std::string phase = status.value("phase", "");
  if (phase != "Failed" && phase != "Succeeded") {
    status = {{"phase", "Failed"},
              {"reason", memory.admission->reason},
              {"message", "Pod was rejected: " + memory.admission->message},
              {"startTime", memory.start_time},
              {"qosClass", QosClass(pod)}};
  }
  result.status = status;
  result.next_sync = Clock::now() + std::chrono::minutes(10);
  return false;
}

SyncResult PodSyncer::Sync(const json& pod, PodMemory& memory,
                           const std::function<void(const json& status)>& report_interim) {
  SyncResult result;
  result.next_sync = Clock::now() + std::chrono::seconds(60);
  memory.waiting.clear();
  const std::string uid = Text(pod, "/metadata/uid");
  if (memory.start_time.empty())
    memory.start_time =
        Text(pod, "/status/startTime", FormatTime(std::chrono::system_clock::now()));
  PodRuntimeState state = InspectPod(runtime_, uid);
  if (!Admitted(pod, state, memory, result)) return result;
  StatusInputs probe = Inputs(pod, state, memory);
  std::string phase = state.containers.empty() ? "Pending" : PodPhase(probe);
  const std::string policy = Text(pod, "/spec/restartPolicy", "Always");
  Waiting pod_problem;

  if (phase == "Succeeded" || phase == "Failed") {
    // Finished for good: free the sandbox (its address) and keep the containers for their logs.
    for (const auto& sandbox : state.sandboxes) {
      if (!sandbox.ready) continue;
      cri_api::StopPodSandboxRequest stop;
      stop.set_pod_sandbox_id(sandbox.id);
      cri_api::StopPodSandboxResponse stopped;
      Check(runtime_.runtime.StopPodSandbox(stop, &stopped), "StopPodSandbox");
    }
    state = InspectPod(runtime_, uid);
    prober_.Forget(uid);
    admitter_.Release(uid);
    StatusInputs inputs = Inputs(pod, state, memory);
    result.status =
        ComputePodStatus(inputs, Previous(pod, memory), std::chrono::system_clock::now());
    return result;
  }

  std::map<std::string, std::string> volumes;
  const SandboxRecord* sandbox = state.ReadySandbox();
  cri_api::PodSandboxConfig sandbox_config;
  try {
    volumes = volumes_.SetUp(pod);
    if (sandbox == nullptr) {
      // A new sandbox, and the containers of the old ones go with them.
      std::uint32_t attempt = state.sandboxes.empty() ? 0 : state.sandboxes.front().attempt + 1;
      for (const auto& old : state.sandboxes) {
        cri_api::StopPodSandboxRequest stop;
        stop.set_pod_sandbox_id(old.id);
        cri_api::StopPodSandboxResponse stopped;
        runtime_.runtime.StopPodSandbox(stop, &stopped);
      }
      sandbox_config = SandboxConfig(pod, attempt, options_.sandbox);
      std::error_code ignored;
      std::filesystem::create_directories(sandbox_config.log_directory(), ignored);
      cri_api::RunPodSandboxRequest run;
      *run.mutable_config() = sandbox_config;
      cri_api::RunPodSandboxResponse ran;
      grpc::Status status = runtime_.runtime.RunPodSandbox(run, &ran);
      if (!status.ok()) {
        Event(pod, "Warning", "FailedCreatePodSandBox",
              "Failed to create pod sandbox: " + status.error_message());
        throw PodConfigError("FailedCreatePodSandBox",
                             "Failed to create pod sandbox: " + status.error_message());
      }
      state = InspectPod(runtime_, uid);
      sandbox = state.ReadySandbox();
      if (sandbox == nullptr)
        throw PodConfigError("FailedCreatePodSandBox", "the new sandbox is not ready");
    } else {
      sandbox_config = SandboxConfig(pod, sandbox->attempt, options_.sandbox);
    }
  } catch (const PodConfigError& error) {
    pod_problem = {error.reason, error.what()};
    for (const auto& container : Items(pod, "/spec/containers"))
      memory.waiting[container.value("name", "")] = pod_problem;
    result.next_sync = Clock::now() + std::chrono::seconds(10);
  }

  if (sandbox != nullptr) {
    const std::string sandbox_id = sandbox->id;
    const std::vector<std::string> pod_ips = sandbox->ips;
    if (KillUnhealthy(pod, state)) state = InspectPod(runtime_, uid);
    // Runs, or restarts after its back-off, one container; false when it is waiting.
    auto ensure = [&](const json& container, bool init) -> bool {
      std::string name = container.value("name", "");
      const ContainerRecord* latest = state.Latest(name);
      bool in_sandbox = latest != nullptr && latest->sandbox_id == sandbox_id;
      if (in_sandbox && latest->state == cri_api::CONTAINER_RUNNING) return true;
      int restart_count = latest == nullptr ? 0 : latest->restart_count + 1;
      if (in_sandbox && latest->state == cri_api::CONTAINER_EXITED) {
        bool wanted = policy == "Always" || (policy == "OnFailure" && latest->exit_code != 0) ||
                      (init && latest->exit_code != 0 && policy != "Never");
        if (init && latest->exit_code == 0) return true;
        if (!wanted) return true;
        if (!RestartDue(pod, *latest, memory, &result.next_sync)) return false;
      }
      auto gate = memory.failures.find(name);
      if (gate != memory.failures.end() && Clock::now() < gate->second.not_before) {
        Waiting waiting = gate->second.last;
        if (waiting.reason == "ErrImagePull") waiting.reason = "ImagePullBackOff";
        memory.waiting[name] = waiting;
        result.next_sync = std::min(result.next_sync, gate->second.not_before);
        return false;
      }
      try {
        if (std::string problem = HandlersProblem(container); !problem.empty())
          throw PodConfigError("CreateContainerConfigError", problem);
        EnsureImage(pod, container, [&] {
          if (report_interim) report_interim(StatusOf(pod, memory, memory.last_status));
        });
        StartContainer(pod, container, init, restart_count, sandbox_id, sandbox_config, volumes,
                       pod_ips);
        memory.failures.erase(name);
        return true;
      } catch (const PodConfigError& error) {
        RetryGate& failed = memory.failures[name];
        failed.delay = failed.delay.count() == 0 ? Backoff::kInitial
                                                 : std::min(failed.delay * 2, Backoff::kMaximum);
        failed.not_before = Clock::now() + failed.delay;
        failed.last = {error.reason, error.what()};
        memory.waiting[name] = failed.last;
        result.next_sync = std::min(result.next_sync, failed.not_before);
        return false;
      }
    };
    bool initialized = true;
    for (const auto& container : Items(pod, "/spec/initContainers")) {
      const ContainerRecord* latest = state.Latest(container.value("name", ""));
      bool done =
          latest != nullptr && latest->state == cri_api::CONTAINER_EXITED && latest->exit_code == 0;
      if (done) continue;
      initialized = false;
      if (latest == nullptr || latest->sandbox_id != sandbox_id ||
          latest->state != cri_api::CONTAINER_RUNNING) {
        ensure(container, true);
      }
      break;  // one at a time, in order
    }
    if (initialized) {
      for (const auto& container : Items(pod, "/spec/containers")) ensure(container, false);
    }
    RemoveOldInstances(state);
    state = InspectPod(runtime_, uid);
  }
  prober_.Update(pod, state);
  StatusInputs inputs = Inputs(pod, state, memory);
  inputs.pod_problem = pod_problem;
  result.status = ComputePodStatus(inputs, Previous(pod, memory), std::chrono::system_clock::now());
  return result;
}

json PodSyncer::StatusOf(const json& pod, PodMemory& memory, const json& previous) {
  PodRuntimeState state = InspectPod(runtime_, Text(pod, "/metadata/uid"));
  StatusInputs inputs = Inputs(pod, state, memory);
  return ComputePodStatus(inputs, previous, std::chrono::system_clock::now());
}

void PodSyncer::Kill(const std::string& uid, const json* pod, std::int64_t grace_seconds,
                     bool remove) {
  // No probe may restart a container of a pod that is going.
  prober_.Forget(uid);
  PodRuntimeState state = InspectPod(runtime_, uid);
  const SandboxRecord* sandbox = state.ReadySandbox();
  const std::string pod_ip =
      sandbox != nullptr && !sandbox->ips.empty() ? sandbox->ips.front() : "";
  // Every container at once, each with the whole grace period, as the kubelet does; a preStop
  // hook runs first, within that period.
  std::vector<std::future<void>> stops;
  for (const auto& container : state.containers) {
    if (container.state != cri_api::CONTAINER_RUNNING &&
        container.state != cri_api::CONTAINER_CREATED)
      continue;
    const json* spec = pod != nullptr ? ContainerSpec(*pod, container.name) : nullptr;
    json pre_stop = spec != nullptr && container.state == cri_api::CONTAINER_RUNNING
                        ? spec->value("lifecycle", json::object()).value("preStop", json())
                        : json();
    stops.push_back(std::async(std::launch::async, [this, id = container.id, grace_seconds, pod,
                                                    spec, pre_stop, pod_ip] {
      std::int64_t grace = grace_seconds;
      if (pre_stop.is_object() && grace > 0) {
        auto began = Clock::now();
        ActionResult outcome = RunAction(runtime_, pre_stop, ActionTarget{spec, id, pod_ip},
                                         std::chrono::seconds(grace));
        if (!outcome.success)
          Event(*pod, "Warning", "FailedPreStopHook", "PreStopHook failed: " + outcome.message);
        auto spent = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - began).count();
        // What is left of the period, and at least 2 s more, as the kubelet gives.
        grace = std::max<std::int64_t>(2, grace - spent);
      }
      StopContainer(id, grace);
    }));
  }
  for (auto& stop : stops) stop.get();
  if (pod != nullptr && !stops.empty())
    Event(*pod, "Normal", "Killing", "Stopping the pod's containers");
  for (const auto& sandbox : state.sandboxes) {
    cri_api::StopPodSandboxRequest stop;
    stop.set_pod_sandbox_id(sandbox.id);
    cri_api::StopPodSandboxResponse stopped;
    Check(runtime_.runtime.StopPodSandbox(stop, &stopped), "StopPodSandbox");
  }
  if (!remove) return;
  for (const auto& container : state.containers) {
    cri_api::RemoveContainerRequest request;
    request.set_container_id(container.id);
    cri_api::RemoveContainerResponse removed;
    runtime_.runtime.RemoveContainer(request, &removed);
  }
  for (const auto& sandbox : state.sandboxes) {
    cri_api::RemovePodSandboxRequest request;
    request.set_pod_sandbox_id(sandbox.id);
    cri_api::RemovePodSandboxResponse removed;
    Check(runtime_.runtime.RemovePodSandbox(request, &removed), "RemovePodSandbox");
  }
  admitter_.Release(uid);
  RemovePodCgroups(uid, options_.sandbox.cgroup_root);
  volumes_.TearDown(uid);
  if (pod != nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(PodLogDirectory(*pod, options_.sandbox.pod_logs_dir), ignored);
  }
}

}  // namespace hostlet::agent
