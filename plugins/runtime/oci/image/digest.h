// Content digests in the OCI form "sha256:<64 hex>".
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace hostlet::oci {

// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const void* data, size_t size);
  std::string Digest();  // "sha256:<hex>"; the hasher is spent afterwards

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string DigestOf(std::string_view bytes);
std::string DigestOfFile(const std::filesystem::path& file);  // throws std::runtime_error

// True for "sha256:" followed by 64 lowercase hex digits: the only algorithm accepted, and the
// only form safe to use as a file name.
bool IsValidDigest(std::string_view digest);

}  // namespace hostlet::oci
