// The network configuration of a directory, chosen as libcni-based runtimes choose the default
// network: the lexically first file ending in .conflist, .conf or .json. It is re-read when the
// directory's candidate files change (names, inodes, sizes, modification times), which is
// checked on every call: a stat per file, cheap next to running a plugin.
#pragma once

#include "kubelet/network/config.h"
#include "kubelet/network/error.h"

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace hostlet::network {

class ConfigDirectory {
 public:
  explicit ConfigDirectory(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // The configuration in force. Throws Error: the chosen file's own error (naming it), or
  // kCniNotAvailable when the directory holds no configuration. Thread-safe.
  std::shared_ptr<const NetworkConfigList> Current();

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::mutex mutex_;
  std::optional<std::string> fingerprint_;
  std::shared_ptr<const NetworkConfigList> current_;
  std::optional<Error> error_;  // the last read's failure, until the files change
};

}  // namespace hostlet::network
