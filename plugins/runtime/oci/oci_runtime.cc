#include "plugins/runtime/oci/oci_runtime.h"

#include <unistd.h>

namespace hostlet::oci {
namespace {

constexpr const char* kVersion = "0.1.0";

// The runtime binary as a path: itself when it has a slash, else the first match on PATH.
std::string FindExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

}  // namespace

OciRuntime::OciRuntime(const hostlet::PluginContext& context)
    : host_(context.host),
      config_(ModuleConfig::FromJson(context.config)),
      images_(config_.root / "images", config_.unpacker),
      registry_(config_.insecure_registries, config_.registry_ca_files),
      image_service_(images_, &registry_),
      pods_(config_, images_, static_cast<const hostlet_network_service*>(host_.Service(HOSTLET_SERVICE_NETWORK))) {
  for (const auto& [role, binary] : {std::pair{"helper", &config_.helper}, std::pair{"unpacker", &config_.unpacker}}) {
    if (access(binary->c_str(), X_OK) != 0) {
      throw std::invalid_argument(std::string("runtime module: ") + role + " binary " + binary->string() + " is missing");
    }
  }
  ImportConfiguredImages();
}

void OciRuntime::ImportConfiguredImages() {
  for (const auto& dir : config_.import_dirs) {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
      try {
        for (const auto& image : images_.Import(entry.path())) {
          host_.Info("imported " + (image.repo_tags.empty() ? image.id : image.repo_tags.front()) + " from " +
                     entry.path().string());
        }
      } catch (const std::exception& failure) {
        host_.Warning(std::string("image import skipped: ") + failure.what());
      }
    }
  }
}

grpc::Status OciRuntime::Version(const runtime::v1::VersionRequest&, runtime::v1::VersionResponse* response) {
  response->set_version("0.1.0");
  response->set_runtime_name("hostlet-oci");
  response->set_runtime_version(kVersion);
  response->set_runtime_api_version("v1");
  return grpc::Status::OK;
}

grpc::Status OciRuntime::Status(const runtime::v1::StatusRequest&, runtime::v1::StatusResponse* response) {
  auto* runtime_ready = response->mutable_status()->add_conditions();
  runtime_ready->set_type("RuntimeReady");
  const std::string binary = FindExecutable(config_.runtime);
  runtime_ready->set_status(!binary.empty());
  if (binary.empty()) {
    runtime_ready->set_reason("RuntimeBinaryMissing");
    runtime_ready->set_message("OCI runtime \"" + config_.runtime + "\" not found");
  }
  auto* network_ready = response->mutable_status()->add_conditions();
  network_ready->set_type("NetworkReady");
  const auto* network = static_cast<const hostlet_network_service*>(host_.Service(HOSTLET_SERVICE_NETWORK));
  if (network == nullptr) {
    network_ready->set_status(false);
    network_ready->set_reason("NoNetworkService");
    network_ready->set_message("the host offers no network service; pods get only a loopback interface");
  } else {
    std::string error;
    hostlet_reply reply{&error, [](void*, const uint8_t*, size_t) {},
                        [](void* out, int32_t, const char* message) {
                          *static_cast<std::string*>(out) = message != nullptr ? message : "";
                        }};
    const bool ready = network->call(network->host_ctx, HOSTLET_CNI_STATUS, reinterpret_cast<const uint8_t*>("{}"), 2,
                                     &reply) == 0;
    network_ready->set_status(ready);
    if (!ready) {
      auto parsed = nlohmann::json::parse(error, nullptr, false);
      network_ready->set_reason("NetworkPluginNotReady");
      network_ready->set_message(parsed.is_object() ? parsed.value("msg", error) : error);
    }
  }
  return grpc::Status::OK;
}

grpc::Status OciRuntime::RunPodSandbox(const runtime::v1::RunPodSandboxRequest& request,
                                       runtime::v1::RunPodSandboxResponse* response) {
  return pods_.RunPodSandbox(request, response);
}
grpc::Status OciRuntime::StopPodSandbox(const runtime::v1::StopPodSandboxRequest& request,
                                        runtime::v1::StopPodSandboxResponse*) {
  return pods_.StopPodSandbox(request.pod_sandbox_id());
}
grpc::Status OciRuntime::RemovePodSandbox(const runtime::v1::RemovePodSandboxRequest& request,
                                          runtime::v1::RemovePodSandboxResponse*) {
  return pods_.RemovePodSandbox(request.pod_sandbox_id());
}
grpc::Status OciRuntime::PodSandboxStatus(const runtime::v1::PodSandboxStatusRequest& request,
                                          runtime::v1::PodSandboxStatusResponse* response) {
  return pods_.PodSandboxStatus(request, response);
}
grpc::Status OciRuntime::ListPodSandbox(const runtime::v1::ListPodSandboxRequest& request,
                                        runtime::v1::ListPodSandboxResponse* response) {
  return pods_.ListPodSandbox(request, response);
}
grpc::Status OciRuntime::CreateContainer(const runtime::v1::CreateContainerRequest& request,
                                         runtime::v1::CreateContainerResponse* response) {
  return pods_.CreateContainer(request, response);
}
grpc::Status OciRuntime::StartContainer(const runtime::v1::StartContainerRequest& request,
                                        runtime::v1::StartContainerResponse*) {
  return pods_.StartContainer(request.container_id());
}
grpc::Status OciRuntime::StopContainer(const runtime::v1::StopContainerRequest& request,
                                       runtime::v1::StopContainerResponse*) {
  return pods_.StopContainer(request.container_id(), request.timeout());
}
grpc::Status OciRuntime::RemoveContainer(const runtime::v1::RemoveContainerRequest& request,
                                         runtime::v1::RemoveContainerResponse*) {
  return pods_.RemoveContainer(request.container_id());
}
grpc::Status OciRuntime::ListContainers(const runtime::v1::ListContainersRequest& request,
                                        runtime::v1::ListContainersResponse* response) {
  return pods_.ListContainers(request, response);
}
grpc::Status OciRuntime::ContainerStatus(const runtime::v1::ContainerStatusRequest& request,
                                         runtime::v1::ContainerStatusResponse* response) {
  return pods_.ContainerStatus(request, response);
}
grpc::Status OciRuntime::UpdateContainerResources(const runtime::v1::UpdateContainerResourcesRequest& request,
                                                  runtime::v1::UpdateContainerResourcesResponse*) {
  return pods_.UpdateContainerResources(request);
}
grpc::Status OciRuntime::ReopenContainerLog(const runtime::v1::ReopenContainerLogRequest& request,
                                            runtime::v1::ReopenContainerLogResponse*) {
  return pods_.ReopenContainerLog(request.container_id());
}
grpc::Status OciRuntime::ExecSync(const runtime::v1::ExecSyncRequest& request, runtime::v1::ExecSyncResponse* response) {
  return pods_.ExecSync(request, response);
}
grpc::Status OciRuntime::ContainerStats(const runtime::v1::ContainerStatsRequest& request,
                                        runtime::v1::ContainerStatsResponse* response) {
  return pods_.ContainerStats(request.container_id(), response->mutable_stats());
}
grpc::Status OciRuntime::ListContainerStats(const runtime::v1::ListContainerStatsRequest& request,
                                            runtime::v1::ListContainerStatsResponse* response) {
  return pods_.ListContainerStats(request, response);
}

grpc::Status OciRuntime::PodSandboxStats(const runtime::v1::PodSandboxStatsRequest& request,
                                         runtime::v1::PodSandboxStatsResponse* response) {
  return pods_.PodSandboxStats(request.pod_sandbox_id(), response->mutable_stats());
}
grpc::Status OciRuntime::ListPodSandboxStats(const runtime::v1::ListPodSandboxStatsRequest& request,
                                             runtime::v1::ListPodSandboxStatsResponse* response) {
  return pods_.ListPodSandboxStats(request, response);
}

grpc::Status OciRuntime::ListImages(const runtime::v1::ListImagesRequest& request,
                                    runtime::v1::ListImagesResponse* response) {
  return image_service_.List(request, response);
}
grpc::Status OciRuntime::ImageStatus(const runtime::v1::ImageStatusRequest& request,
                                     runtime::v1::ImageStatusResponse* response) {
  return image_service_.Status(request, response);
}
grpc::Status OciRuntime::PullImage(const runtime::v1::PullImageRequest& request,
                                   runtime::v1::PullImageResponse* response) {
  return image_service_.Pull(request, response);
}
grpc::Status OciRuntime::RemoveImage(const runtime::v1::RemoveImageRequest& request,
                                     runtime::v1::RemoveImageResponse* response) {
  return image_service_.Remove(request, response);
}
grpc::Status OciRuntime::ImageFsInfo(const runtime::v1::ImageFsInfoRequest& request,
                                     runtime::v1::ImageFsInfoResponse* response) {
  return image_service_.FsInfo(request, response);
}

}  // namespace hostlet::oci
