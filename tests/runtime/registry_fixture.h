// Debian's docker-registry, started privately on a free loopback port with its storage in a
// temporary directory, and stopped (by PID) at the end of the test.
#pragma once

#include "tests/runtime/image_builder.h"
#include "tests/support/child_process.h"
#include "tests/support/fixtures.h"

#include <memory>
#include <string>

namespace hostlet::testing {

class LocalRegistry {
 public:
  // With a user, the registry requires HTTP basic authentication (htpasswd, bcrypt).
  explicit LocalRegistry(const std::string& user = "", const std::string& password = "");  // throws with its log when it does not come up
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  // Pushes the image's blobs and manifest as <repository>:<tag>; returns the manifest digest.
  std::string Push(const TestImage& image, const std::string& repository, const std::string& tag) const;

 private:
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
  std::string authorization_;  // for pushes
};

}  // namespace hostlet::testing
