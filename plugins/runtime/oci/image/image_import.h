// Reading images from an OCI image layout or a `docker save` archive (a directory, or a tar
// file, compressed or not) into the blob store, verifying every digest on the way.
#pragma once

#include "plugins/runtime/oci/image/blob_store.h"
#include "plugins/runtime/oci/image/image_index.h"

#include <filesystem>
#include <vector>

namespace hostlet::oci {

// The images found in `source`, their blobs added to `blobs` and checked (blob digests, and
// each layer's uncompressed digest against the config's diff_ids). `scratch` is a directory
// for unpacking archives. Throws std::runtime_error naming the source and what is wrong.
std::vector<ImageRecord> ImportImages(const std::filesystem::path& source, BlobStore& blobs,
                                      const std::filesystem::path& scratch);

// The record for a manifest already in `blobs` (as a registry pull leaves it), checked the
// same way. `names` are the references it is known by.
ImageRecord RecordFromManifest(const std::string& manifest_digest, BlobStore& blobs,
                               const std::vector<std::string>& names);

}  // namespace hostlet::oci
