// The OCI runtime module: CRI runtime.v1 on an OCI runtime binary (runc by default) with its
// own image store.
#pragma once

#include "plugins/runtime/oci/image/image_service.h"
#include "plugins/runtime/oci/image/image_store.h"
#include "plugins/runtime/oci/module_config.h"
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
};

}  // namespace hostlet::oci
