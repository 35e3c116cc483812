// A cgroup root of a test's own, for the pods it runs (the runtime module's cgroupParent, or a
// sandbox's cgroup parent): named after the test process, so that tests running side by side never
// share one, and removed from every hierarchy at the end (only once empty: rmdir never removes a
// cgroup in use).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace hostlet::testing {

class CgroupRoot {
 public:
  explicit CgroupRoot(const std::string& prefix)
      : path_("/" + prefix + "-" + std::to_string(getpid())) {}
  CgroupRoot(const CgroupRoot&) = delete;
  CgroupRoot& operator=(const CgroupRoot&) = delete;
  ~CgroupRoot() {
    std::error_code ignored;
    for (const auto& hierarchy : std::filesystem::directory_iterator("/sys/fs/cgroup", ignored)) {
      rmdir((hierarchy.path().string() + path_).c_str());
    }
    rmdir(("/sys/fs/cgroup" + path_).c_str());
  }

  // "/<prefix>-<pid>", as a cgroup path.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace hostlet::testing
