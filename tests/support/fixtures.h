// Shared by the tests: where the test modules were built, temporary directories, and the
// module's answer seen through each transport.
#pragma once

#include <hostlet/sdk/grpc_bridge.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace hostlet::testing {

// A fresh directory under the system temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hostlet-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace hostlet::testing

// gtest prints a grpc::Status as code and message.
namespace grpc {
inline void PrintTo(const Status& status, std::ostream* out) {
  *out << "status " << status.error_code() << ": " << status.error_message();
}
}  // namespace grpc
