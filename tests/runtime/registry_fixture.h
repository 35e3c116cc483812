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
  struct Options {
    std::string user;      // with a user, HTTP basic authentication (htpasswd, bcrypt) is required
    std::string password;
    bool tls = false;      // serve HTTPS with a certificate from a CA made for the test
  };
  LocalRegistry() : LocalRegistry(Options{}) {}
  explicit LocalRegistry(const Options& options);  // throws with its log when it does not come up
  std::string ca_file() const { return (dir_.path() / "ca.pem").string(); }
  std::vector<std::string> CaFiles() const;  // what a client needs to trust this registry
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  // Pushes the image's blobs and manifest as <repository>:<tag>; returns the manifest digest.
  std::string Push(const TestImage& image, const std::string& repository, const std::string& tag) const;

 private:
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
  std::string authorization_;  // for pushes
  std::string scheme_ = "http";
};

}  // namespace hostlet::testing
