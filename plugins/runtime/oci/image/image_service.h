// CRI ImageService on the image store.
#pragma once

#include "plugins/runtime/oci/image/image_store.h"

#include <grpcpp/support/status.h>

#include "k8s/cri/runtime/v1/api.hostlet.h"

namespace hostlet::oci {

class RegistryClient;

class ImageService {
 public:
  ImageService(ImageStore& store, RegistryClient* registry) : store_(store), registry_(registry) {}

  grpc::Status List(const runtime::v1::ListImagesRequest& request, runtime::v1::ListImagesResponse* response);
  grpc::Status Status(const runtime::v1::ImageStatusRequest& request, runtime::v1::ImageStatusResponse* response);
  grpc::Status Pull(const runtime::v1::PullImageRequest& request, runtime::v1::PullImageResponse* response);
  grpc::Status Remove(const runtime::v1::RemoveImageRequest& request, runtime::v1::RemoveImageResponse* response);
  grpc::Status FsInfo(const runtime::v1::ImageFsInfoRequest& request, runtime::v1::ImageFsInfoResponse* response);

  static void ToCri(const ImageRecord& record, runtime::v1::Image* image);

 private:
  ImageStore& store_;
  RegistryClient* registry_;
};

}  // namespace hostlet::oci
