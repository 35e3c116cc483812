// The runtime module's images: blobs, the index of names, and one unpacked root filesystem per
// image that containers are layered on. Thread-safe. Every change is all or nothing: a failed
// import leaves the store as it was.
#pragma once

#include "plugins/runtime/oci/image/blob_store.h"
#include "plugins/runtime/oci/image/image_index.h"

#include <filesystem>
#include <mutex>
#include <optional>
#include <vector>

namespace hostlet::oci {

class ImageStore {
 public:
  // `unpacker` is the hostlet-oci-unpack binary that applies layers.
  ImageStore(std::filesystem::path root, std::filesystem::path unpacker);

  // Imports every image in an OCI layout or docker save archive (directory or tar file).
  std::vector<ImageRecord> Import(const std::filesystem::path& source);
  // Indexes an image whose manifest and blobs are already in blobs() (after a pull).
  ImageRecord AddPulled(const std::string& manifest_digest, const std::vector<std::string>& names);

  std::vector<ImageRecord> List() const;
  std::optional<ImageRecord> Find(const std::string& image) const;
  // Removes the image and every blob no other image uses; false when it was not there.
  bool Remove(const std::string& image);
  std::filesystem::path RootfsOf(const std::string& id) const;

  struct Usage {
    uint64_t bytes = 0;
    uint64_t inodes = 0;
  };
  Usage DiskUsage() const;
  const std::filesystem::path& root() const { return root_; }
  BlobStore& blobs() { return blobs_; }

 private:
  void Unpack(const ImageRecord& record);  // no-op when already unpacked
  void IndexAll(const std::vector<ImageRecord>& records);

  std::filesystem::path root_;
  std::filesystem::path unpacker_;
  mutable std::mutex mutex_;
  BlobStore blobs_;
  ImageIndex index_;
};

}  // namespace hostlet::oci
