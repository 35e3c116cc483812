#include "kubelet/agent/pod_cgroups.h"

#include <unistd.h>

#include <filesystem>
#include <system_error>
#include <vector>

namespace hostlet::agent {

void RemovePodCgroups(const std::string& uid, const std::string& cgroup_root) {
  if (uid.empty() || uid.find('/') != std::string::npos || uid.find("..") != std::string::npos)
    return;
  std::string root = cgroup_root;
  while (!root.empty() && root.back() == '/') root.pop_back();
  std::vector<std::string> pods;
  for (const char* qos : {"", "/burstable", "/besteffort"})
    pods.push_back(root + "/kubepods" + qos + "/pod" + uid);
  std::vector<std::filesystem::path> hierarchies = {"/sys/fs/cgroup"};
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/fs/cgroup", ignored)) {
    if (entry.is_directory(ignored) && !entry.is_symlink(ignored))
      hierarchies.push_back(entry.path());
  }
  for (const auto& hierarchy : hierarchies) {
    for (const auto& pod : pods) rmdir((hierarchy.string() + pod).c_str());
  }
}

}  // namespace hostlet::agent
