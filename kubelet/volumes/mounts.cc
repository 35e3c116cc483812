#include "kubelet/volumes/mounts.h"

#include <sys/mount.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace hostlet::agent {
namespace fs = std::filesystem;
namespace {

// mountinfo writes space, tab, newline and backslash in paths as octal escapes (\040 ...).
std::string Unescape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool escape = text[i] == '\\' && i + 3 < text.size() &&
                        std::all_of(text.begin() + static_cast<long>(i) + 1,
                                    text.begin() + static_cast<long>(i) + 4,
                                    [](char c) { return c >= '0' && c <= '7'; });
    if (escape) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::vector<fs::path> AllMountPoints() {
  std::ifstream in("/proc/self/mountinfo");
  if (!in)
    throw std::system_error(errno, std::generic_category(), "cannot read /proc/self/mountinfo");
  std::vector<fs::path> points;
  std::string line;
  while (std::getline(in, line)) {
    // "<id> <parent> <major:minor> <root> <mount point> ..."
    std::istringstream fields(line);
    std::string id, parent, device, root, point;
    if (fields >> id >> parent >> device >> root >> point) points.emplace_back(Unescape(point));
  }
  return points;
}

bool IsAtOrBelow(const std::string& path, const std::string& dir) {
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         (dir.back() == '/' || path[dir.size()] == '/'));
}

}  // namespace

std::vector<fs::path> MountPointsUnder(const fs::path& dir) {
  std::vector<fs::path> under;
  for (auto& point : AllMountPoints()) {
    if (IsAtOrBelow(point.string(), dir.string())) under.push_back(std::move(point));
  }
  // Deeper first; a point mounted twice stays listed twice, as it needs two unmounts.
  std::stable_sort(under.begin(), under.end(), [](const fs::path& a, const fs::path& b) {
    return a.string().size() > b.string().size();
  });
  return under;
}

bool IsMountPoint(const fs::path& dir) {
  const auto points = AllMountPoints();
  return std::find(points.begin(), points.end(), dir) != points.end();
}

void MountTmpfs(const fs::path& dir, std::optional<std::int64_t> size_bytes) {
  std::string options = "mode=0777";
  if (size_bytes) options += ",size=" + std::to_string(*size_bytes);
  if (mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot mount tmpfs on " + dir.string());
  }
}

void Unmount(const fs::path& dir) {
  if (umount2(dir.c_str(), 0) == 0) return;
  if (errno == EINVAL && !IsMountPoint(dir)) return;  // someone else unmounted it meanwhile
  if (umount2(dir.c_str(), MNT_DETACH) == 0) return;
  throw std::system_error(errno, std::generic_category(), "cannot unmount " + dir.string());
}

}  // namespace hostlet::agent
