#include "plugins/runtime/oci/image/blob_store.h"

#include "plugins/runtime/oci/image/digest.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace hostlet::oci {
namespace {

std::filesystem::path TemporaryIn(const std::filesystem::path& dir) {
  static std::atomic<uint64_t> counter{0};
  return dir / (".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
}

}  // namespace

BlobStore::BlobStore(std::filesystem::path root) : root_(std::move(root)) {
  std::filesystem::create_directories(root_ / "blobs" / "sha256");
}

std::filesystem::path BlobStore::PathOf(const std::string& digest) const {
  if (!IsValidDigest(digest)) throw std::runtime_error("invalid digest \"" + digest + "\"");
  return root_ / "blobs" / "sha256" / digest.substr(7);
}

bool BlobStore::Has(const std::string& digest) const {
  return IsValidDigest(digest) && std::filesystem::exists(PathOf(digest));
}

std::string BlobStore::Read(const std::string& digest) const {
  std::ifstream in(PathOf(digest), std::ios::binary);
  if (!in) throw std::runtime_error("blob " + digest + " is not in the store");
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string BlobStore::Commit(const std::filesystem::path& temporary, const std::string& digest,
                              const std::string& expected_digest) {
  if (!expected_digest.empty() && digest != expected_digest) {
    std::filesystem::remove(temporary);
    throw std::runtime_error("content digest mismatch: expected " + expected_digest + ", got " + digest);
  }
  std::filesystem::rename(temporary, PathOf(digest));
  return digest;
}

std::string BlobStore::AddFile(const std::filesystem::path& file, const std::string& expected_digest) {
  if (!expected_digest.empty() && !IsValidDigest(expected_digest)) {
    throw std::runtime_error("invalid digest \"" + expected_digest + "\"");
  }
  auto temporary = TemporaryIn(root_ / "blobs" / "sha256");
  std::filesystem::copy_file(file, temporary);
  return Commit(temporary, DigestOfFile(temporary), expected_digest);
}

std::string BlobStore::AddBytes(const std::string& bytes, const std::string& expected_digest) {
  auto temporary = TemporaryIn(root_ / "blobs" / "sha256");
  {
    std::ofstream out(temporary, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + temporary.string());
  }
  return Commit(temporary, DigestOf(bytes), expected_digest);
}

std::filesystem::path BlobStore::TemporaryPath() const { return TemporaryIn(root_ / "blobs" / "sha256"); }

std::string BlobStore::Adopt(const std::filesystem::path& temporary, const std::string& expected_digest) {
  return Commit(temporary, DigestOfFile(temporary), expected_digest);
}

void BlobStore::Remove(const std::string& digest) {
  std::error_code ignored;
  std::filesystem::remove(PathOf(digest), ignored);
}

}  // namespace hostlet::oci
