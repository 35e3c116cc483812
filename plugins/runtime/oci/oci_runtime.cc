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
      images_(config_.root / "images", config_.helper),
      registry_(config_.insecure_registries),
      image_service_(images_, &registry_) {
  if (access(config_.helper.c_str(), X_OK) != 0) {
    throw std::invalid_argument("runtime module: helper binary " + config_.helper.string() + " is missing");
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
  const bool network = host_.Service(HOSTLET_SERVICE_NETWORK) != nullptr;
  network_ready->set_status(network);
  if (!network) {
    network_ready->set_reason("NoNetworkService");
    network_ready->set_message("the host offers no network service; pods get only a loopback interface");
  }
  return grpc::Status::OK;
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
