#pragma once

#include <filesystem>
#include <string>

namespace hostlet::oci {

// The digest of a layer's uncompressed tar stream (its diff_id), whatever compression the blob
// uses. Throws std::runtime_error when the blob cannot be decompressed.
std::string UncompressedDigest(const std::filesystem::path& blob);

}  // namespace hostlet::oci
