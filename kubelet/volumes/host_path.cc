#include "kubelet/volumes/host_path.h"

#include "kubelet/volumes/pod_config_error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace hostlet::agent {
namespace {

[[noreturn]] void Failed(const std::string& volume, const std::string& why) {
  ThrowConfigError("volume \"" + volume + "\": hostPath type check failed: " + why);
}

// stat, following links as the runtime's bind mount will; false when nothing is there.
bool Stat(const std::string& volume, const std::string& path, struct stat& info) {
  if (stat(path.c_str(), &info) == 0) return true;
  if (errno == ENOENT) return false;
  Failed(volume, path + ": " + std::strerror(errno));
}

}  // namespace

void CheckHostPath(const std::string& volume, const std::string& path, const std::string& type) {
  if (path.empty() || path.front() != '/') {
    ThrowConfigError("volume \"" + volume + "\": hostPath path \"" + path + "\" must be absolute");
  }
  if (type.empty()) return;
  struct stat info {};
  bool exists = Stat(volume, path, info);

  if (type == "DirectoryOrCreate" && !exists) {
    std::error_code error;
    std::filesystem::create_directories(path, error);
    // chmod: the umask must not narrow the 0755 the kubelet promises.
    if (error || chmod(path.c_str(), 0755) != 0) {
      Failed(volume, "cannot create directory " + path + ": " +
                         (error ? error.message() : std::strerror(errno)));
    }
    exists = Stat(volume, path, info);
  } else if (type == "FileOrCreate" && !exists) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST)
      Failed(volume, "cannot create file " + path + ": " + std::strerror(errno));
    if (fd >= 0) {
      fchmod(fd, 0644);
      close(fd);
    }
    exists = Stat(volume, path, info);
  }

  struct Check {
    const char* type;
    bool (*matches)(mode_t);
    const char* what;
  };
  static const Check kChecks[] = {
      {"DirectoryOrCreate", [](mode_t m) { return S_ISDIR(m); }, "a directory"},
      {"Directory", [](mode_t m) { return S_ISDIR(m); }, "a directory"},
      {"FileOrCreate", [](mode_t m) { return S_ISREG(m); }, "a file"},
      {"File", [](mode_t m) { return S_ISREG(m); }, "a file"},
      {"Socket", [](mode_t m) { return S_ISSOCK(m); }, "a socket file"},
      {"CharDevice", [](mode_t m) { return S_ISCHR(m); }, "a character device"},
      {"BlockDevice", [](mode_t m) { return S_ISBLK(m); }, "a block device"},
  };
  for (const auto& check : kChecks) {
    if (type != check.type) continue;
    if (!exists) Failed(volume, path + " does not exist");
    if (!check.matches(info.st_mode)) Failed(volume, path + " is not " + check.what);
    return;
  }
  ThrowConfigError("volume \"" + volume + "\": unknown hostPath type \"" + type + "\"");
}

}  // namespace hostlet::agent
