#include "kubelet/agent/runtime_state.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace hostlet::agent {

namespace cri_api = runtime::v1;

void Check(const grpc::Status& status, const std::string& what) {
  if (!status.ok()) throw std::runtime_error(what + ": " + status.error_message());
}

const SandboxRecord* PodRuntimeState::ReadySandbox() const {
  for (const auto& sandbox : sandboxes) {
    if (sandbox.ready) return &sandbox;
  }
  return nullptr;
}

const ContainerRecord* PodRuntimeState::Latest(const std::string& name) const {
  for (const auto& container : containers) {
    if (container.name == name) return &container;
  }
  return nullptr;
}

const ContainerRecord* PodRuntimeState::Previous(const std::string& name) const {
  bool seen_latest = false;
  for (const auto& container : containers) {
    if (container.name != name) continue;
    if (seen_latest) return &container;
    seen_latest = true;
  }
  return nullptr;
}

bool PodRuntimeState::AnyRunning() const {
  return std::any_of(containers.begin(), containers.end(), [](const ContainerRecord& c) {
    return c.state == cri_api::CONTAINER_RUNNING;
  });
}

namespace {

int IntAnnotation(const google::protobuf::Map<std::string, std::string>& annotations,
                  const char* key) {
  auto found = annotations.find(key);
  if (found == annotations.end()) return 0;
  try {
    return std::stoi(found->second);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

PodRuntimeState InspectPod(cri::RuntimeClient& runtime, const std::string& pod_uid) {
  PodRuntimeState state;
  cri_api::ListPodSandboxRequest list_sandboxes;
  (*list_sandboxes.mutable_filter()->mutable_label_selector())[kPodUidLabel] = pod_uid;
  cri_api::ListPodSandboxResponse sandboxes;
  Check(runtime.runtime.ListPodSandbox(list_sandboxes, &sandboxes), "ListPodSandbox");
  for (const auto& item : sandboxes.items()) {
    SandboxRecord record;
    record.id = item.id();
    record.attempt = item.metadata().attempt();
    record.ready = item.state() == cri_api::SANDBOX_READY;
    record.created_at = item.created_at();
    if (record.ready) {
      cri_api::PodSandboxStatusRequest request;
      request.set_pod_sandbox_id(item.id());
      cri_api::PodSandboxStatusResponse response;
      if (runtime.runtime.PodSandboxStatus(request, &response).ok()) {
        const auto& network = response.status().network();
        if (!network.ip().empty()) record.ips.push_back(network.ip());
        for (const auto& extra : network.additional_ips()) record.ips.push_back(extra.ip());
        record.ready = response.status().state() == cri_api::SANDBOX_READY;
      }
    }
    state.sandboxes.push_back(std::move(record));
  }
  std::sort(
      state.sandboxes.begin(), state.sandboxes.end(),
      [](const SandboxRecord& a, const SandboxRecord& b) { return a.created_at > b.created_at; });

  cri_api::ListContainersRequest list_containers;
  (*list_containers.mutable_filter()->mutable_label_selector())[kPodUidLabel] = pod_uid;
  cri_api::ListContainersResponse containers;
  Check(runtime.runtime.ListContainers(list_containers, &containers), "ListContainers");
  for (const auto& item : containers.containers()) {
    cri_api::ContainerStatusRequest request;
    request.set_container_id(item.id());
    cri_api::ContainerStatusResponse response;
    if (!runtime.runtime.ContainerStatus(request, &response).ok()) continue;  // removed meanwhile
    const auto& status = response.status();
    ContainerRecord record;
    record.id = item.id();
    record.sandbox_id = item.pod_sandbox_id();
    auto name = item.labels().find(kContainerNameLabel);
    record.name = name != item.labels().end() ? name->second : item.metadata().name();
    record.state = status.state();
    record.created_at = status.created_at();
    record.started_at = status.started_at();
    record.finished_at = status.finished_at();
    record.exit_code = status.exit_code();
    record.reason = status.reason();
    record.message = status.message();
    record.image = status.image().image();
    record.image_ref = status.image_ref();
    record.log_path = status.log_path();
    record.restart_count = IntAnnotation(item.annotations(), kRestartCountAnnotation);
    record.init = item.annotations().count(kInitContainerAnnotation) > 0;
    state.containers.push_back(std::move(record));
  }
  // Newest first: by restart count, then creation time (clocks may be coarse).
  std::sort(state.containers.begin(), state.containers.end(),
            [](const ContainerRecord& a, const ContainerRecord& b) {
              if (a.restart_count != b.restart_count) return a.restart_count > b.restart_count;
              return a.created_at > b.created_at;
            });
  return state;
}

std::vector<std::string> RuntimePodUids(cri::RuntimeClient& runtime) {
  cri_api::ListPodSandboxResponse sandboxes;
  Check(runtime.runtime.ListPodSandbox({}, &sandboxes), "ListPodSandbox");
  std::set<std::string> uids;
  for (const auto& item : sandboxes.items()) {
    // Only sandboxes the agent made: another CRI client's sandboxes on the same runtime are theirs.
    auto uid = item.labels().find(kPodUidLabel);
    if (uid != item.labels().end()) uids.insert(uid->second);
  }
  return {uids.begin(), uids.end()};
}

}  // namespace hostlet::agent
