// Pulling images from an OCI distribution registry (the Docker Registry HTTP API v2): manifest
// (linux/amd64 from an index), config and layers, each verified against its digest, with
// bearer-token and basic authentication. Always HTTPS first; a registry listed as insecure or on
// loopback may fall back to plain HTTP when HTTPS cannot be spoken, as Docker does.
#pragma once

#include "plugins/runtime/oci/image/blob_store.h"
#include "plugins/runtime/oci/image/reference.h"
#include "plugins/runtime/oci/registry/http_client.h"

#include <grpcpp/support/status.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "k8s/cri/runtime/v1/api.hostlet.h"

namespace hostlet::oci {

class RegistryError : public std::runtime_error {
 public:
  RegistryError(grpc::StatusCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  grpc::StatusCode code() const { return code_; }

 private:
  grpc::StatusCode code_;
};

class RegistryClient {
 public:
  RegistryClient(std::vector<std::string> insecure_registries, std::vector<std::string> ca_files)
      : insecure_(std::move(insecure_registries)), http_(std::chrono::seconds(60), std::move(ca_files)) {}

  // Stores the image's manifest and blobs in `blobs`; returns the manifest's digest.
  std::string Pull(const Reference& reference, const runtime::v1::AuthConfig& auth, BlobStore& blobs) const;

 private:
  class Session;
  std::vector<std::string> insecure_;
  HttpClient http_;
};

}  // namespace hostlet::oci
