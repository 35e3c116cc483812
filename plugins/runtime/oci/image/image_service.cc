#include "plugins/runtime/oci/image/image_service.h"

#include "plugins/runtime/oci/image/reference.h"
#include "plugins/runtime/oci/registry/registry_client.h"
#include "plugins/runtime/oci/util/clock.h"
#include "plugins/runtime/oci/util/text.h"

#include <chrono>

namespace hostlet::oci {
void ImageService::ToCri(const ImageRecord& record, runtime::v1::Image* image) {
  image->set_id(record.id);
  for (const auto& tag : record.repo_tags) image->add_repo_tags(tag);
  for (const auto& digest : record.repo_digests) image->add_repo_digests(digest);
  image->set_size(record.size);
  image->mutable_spec()->set_image(record.id);
  // The image's default user: numeric ids become uid, names stay names (resolved in the rootfs
  // when a container starts).
  std::string user = record.config.value("User", "");
  user = user.substr(0, user.find(':'));
  if (IsDigits(user)) {
    image->mutable_uid()->set_value(std::stoll(user));
  } else if (!user.empty()) {
    image->set_username(user);
  }
}

grpc::Status ImageService::List(const runtime::v1::ListImagesRequest& request,
                                runtime::v1::ListImagesResponse* response) {
  const std::string& wanted = request.filter().image().image();
  if (!wanted.empty()) {
    if (auto record = store_.Find(wanted)) ToCri(*record, response->add_images());
    return grpc::Status::OK;
  }
  for (const auto& record : store_.List()) ToCri(record, response->add_images());
  return grpc::Status::OK;
}

grpc::Status ImageService::Status(const runtime::v1::ImageStatusRequest& request,
                                  runtime::v1::ImageStatusResponse* response) {
  if (request.image().image().empty()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "ImageStatus: no image given"};
  }
  // An unknown image is not an error: the response simply has no image.
  auto record = store_.Find(request.image().image());
  if (!record) return grpc::Status::OK;
  ToCri(*record, response->mutable_image());
  if (request.verbose()) {
    (*response->mutable_info())["info"] =
        nlohmann::json{{"id", record->id}, {"manifestDigest", record->manifest_digest},
                       {"layers", record->layers}, {"config", record->config}}
            .dump();
  }
  return grpc::Status::OK;
}

grpc::Status ImageService::Pull(const runtime::v1::PullImageRequest& request,
                                runtime::v1::PullImageResponse* response) {
  std::string error;
  auto reference = ParseReference(request.image().image(), &error);
  if (!reference) return {grpc::StatusCode::INVALID_ARGUMENT, "PullImage: " + error};
  if (registry_ == nullptr) {
    return {grpc::StatusCode::FAILED_PRECONDITION, "PullImage: this runtime has no registry access"};
  }
  try {
    std::string manifest = registry_->Pull(*reference, request.auth(), store_.blobs());
    ImageRecord record = store_.AddPulled(manifest, {reference->String()});
    response->set_image_ref(record.id);
    return grpc::Status::OK;
  } catch (const RegistryError& failure) {
    return {failure.code(), "PullImage " + reference->String() + ": " + failure.what()};
  } catch (const std::exception& failure) {
    return {grpc::StatusCode::INTERNAL, "PullImage " + reference->String() + ": " + failure.what()};
  }
}

grpc::Status ImageService::Remove(const runtime::v1::RemoveImageRequest& request,
                                  runtime::v1::RemoveImageResponse*) {
  if (request.image().image().empty()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "RemoveImage: no image given"};
  }
  store_.Remove(request.image().image());  // removing an absent image succeeds
  return grpc::Status::OK;
}

grpc::Status ImageService::FsInfo(const runtime::v1::ImageFsInfoRequest&,
                                  runtime::v1::ImageFsInfoResponse* response) {
  ImageStore::Usage usage = store_.DiskUsage();
  auto* filesystem = response->add_image_filesystems();
  filesystem->set_timestamp(NowNanos());
  filesystem->mutable_fs_id()->set_mountpoint(store_.root().string());
  filesystem->mutable_used_bytes()->set_value(usage.bytes);
  filesystem->mutable_inodes_used()->set_value(usage.inodes);
  return grpc::Status::OK;
}

}  // namespace hostlet::oci
