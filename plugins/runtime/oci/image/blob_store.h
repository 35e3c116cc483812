// Content-addressed blobs under <root>/blobs/sha256/<hex>. A blob is only ever visible under
// the digest of its bytes: writes go to a temporary file that is hashed, checked and renamed.
#pragma once

#include <filesystem>
#include <string>

namespace hostlet::oci {

class BlobStore {
 public:
  explicit BlobStore(std::filesystem::path root);

  std::filesystem::path PathOf(const std::string& digest) const;  // digest must be valid
  bool Has(const std::string& digest) const;
  std::string Read(const std::string& digest) const;  // throws when missing

  // Copies `file` in, checking it against `expected_digest` when given; returns its digest.
  // Throws std::runtime_error on a mismatch, leaving nothing behind.
  std::string AddFile(const std::filesystem::path& file, const std::string& expected_digest = {});
  std::string AddBytes(const std::string& bytes, const std::string& expected_digest = {});
  // Takes over `temporary` (a file inside the store's directory, e.g. from TemporaryPath), which
  // becomes the blob of its digest; checked against `expected_digest` when given.
  std::string Adopt(const std::filesystem::path& temporary, const std::string& expected_digest = {});
  std::filesystem::path TemporaryPath() const;
  void Remove(const std::string& digest);

 private:
  std::string Commit(const std::filesystem::path& temporary, const std::string& digest,
                     const std::string& expected_digest);
  std::filesystem::path root_;
};

}  // namespace hostlet::oci
