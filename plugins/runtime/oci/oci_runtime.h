// The OCI runtime module: CRI runtime.v1 on an OCI runtime binary (runc by default) with its
// own image store.
#pragma once

#include "plugins/runtime/oci/image/image_service.h"
#include "plugins/runtime/oci/image/image_store.h"
#include "plugins/runtime/oci/module_config.h"
#include "plugins/runtime/oci/pod_runtime.h"
#include "plugins/runtime/oci/registry/registry_client.h"

#include <hostlet/sdk/runtime_plugin.h>

#include <memory>

namespace hostlet::oci {

class OciRuntime final : public hostlet::RuntimePlugin {
 public:
  explicit OciRuntime(const hostlet::PluginContext& context);

  // RuntimeService
  grpc::Status Version(const runtime::v1::VersionRequest& request, runtime::v1::VersionResponse* response) override;
  grpc::Status Status(const runtime::v1::StatusRequest& request, runtime::v1::StatusResponse* response) override;
  grpc::Status RunPodSandbox(const runtime::v1::RunPodSandboxRequest& request, runtime::v1::RunPodSandboxResponse* response) override;
  grpc::Status StopPodSandbox(const runtime::v1::StopPodSandboxRequest& request, runtime::v1::StopPodSandboxResponse* response) override;
  grpc::Status RemovePodSandbox(const runtime::v1::RemovePodSandboxRequest& request, runtime::v1::RemovePodSandboxResponse* response) override;
  grpc::Status PodSandboxStatus(const runtime::v1::PodSandboxStatusRequest& request, runtime::v1::PodSandboxStatusResponse* response) override;
  grpc::Status ListPodSandbox(const runtime::v1::ListPodSandboxRequest& request, runtime::v1::ListPodSandboxResponse* response) override;
  grpc::Status CreateContainer(const runtime::v1::CreateContainerRequest& request, runtime::v1::CreateContainerResponse* response) override;
  grpc::Status StartContainer(const runtime::v1::StartContainerRequest& request, runtime::v1::StartContainerResponse* response) override;
  grpc::Status StopContainer(const runtime::v1::StopContainerRequest& request, runtime::v1::StopContainerResponse* response) override;
  grpc::Status RemoveContainer(const runtime::v1::RemoveContainerRequest& request, runtime::v1::RemoveContainerResponse* response) override;
  grpc::Status ListContainers(const runtime::v1::ListContainersRequest& request, runtime::v1::ListContainersResponse* response) override;
  grpc::Status ContainerStatus(const runtime::v1::ContainerStatusRequest& request, runtime::v1::ContainerStatusResponse* response) override;
  grpc::Status UpdateContainerResources(const runtime::v1::UpdateContainerResourcesRequest& request, runtime::v1::UpdateContainerResourcesResponse* response) override;
  grpc::Status ReopenContainerLog(const runtime::v1::ReopenContainerLogRequest& request, runtime::v1::ReopenContainerLogResponse* response) override;
  grpc::Status ExecSync(const runtime::v1::ExecSyncRequest& request, runtime::v1::ExecSyncResponse* response) override;
  grpc::Status ContainerStats(const runtime::v1::ContainerStatsRequest& request, runtime::v1::ContainerStatsResponse* response) override;
  grpc::Status ListContainerStats(const runtime::v1::ListContainerStatsRequest& request, runtime::v1::ListContainerStatsResponse* response) override;
  grpc::Status PodSandboxStats(const runtime::v1::PodSandboxStatsRequest& request, runtime::v1::PodSandboxStatsResponse* response) override;
  grpc::Status ListPodSandboxStats(const runtime::v1::ListPodSandboxStatsRequest& request, runtime::v1::ListPodSandboxStatsResponse* response) override;

  // ImageService
  grpc::Status ListImages(const runtime::v1::ListImagesRequest& request, runtime::v1::ListImagesResponse* response) override;
  grpc::Status ImageStatus(const runtime::v1::ImageStatusRequest& request, runtime::v1::ImageStatusResponse* response) override;
  grpc::Status PullImage(const runtime::v1::PullImageRequest& request, runtime::v1::PullImageResponse* response) override;
  grpc::Status RemoveImage(const runtime::v1::RemoveImageRequest& request, runtime::v1::RemoveImageResponse* response) override;
  grpc::Status ImageFsInfo(const runtime::v1::ImageFsInfoRequest& request, runtime::v1::ImageFsInfoResponse* response) override;

 private:
  void ImportConfiguredImages();

  hostlet::Host host_;
  ModuleConfig config_;
  ImageStore images_;
  RegistryClient registry_;
  ImageService image_service_;
  PodRuntime pods_;
};

}  // namespace hostlet::oci
