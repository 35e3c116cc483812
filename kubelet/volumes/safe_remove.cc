#include "kubelet/volumes/safe_remove.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <vector>

namespace hostlet::agent {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void Fail(const std::string& what, const fs::path& path, int error = errno) {
  throw fs::filesystem_error(what, path, std::error_code(error, std::generic_category()));
}

// Empties the directory open as `dir` (owned here), which `path` names for messages. Works on
// descriptors (openat with O_NOFOLLOW), so a rename or symlink swap during the walk cannot steer
// it outside.
void EmptyDirectory(int dir, const fs::path& path, dev_t device) {
  DIR* stream = fdopendir(dir);
  if (stream == nullptr) {
    int saved = errno;
    close(dir);
    Fail("cannot read directory", path, saved);
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* entry = readdir(stream)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  for (const auto& name : names) {
    struct stat info {};
    if (fstatat(dirfd(stream), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      int saved = errno;
      closedir(stream);
      Fail("cannot stat", path / name, saved);
    }
    if (S_ISDIR(info.st_mode)) {
      if (info.st_dev != device) {
        closedir(stream);
        Fail("refusing to remove the contents of a mount point", path / name, EBUSY);
      }
      int child =
          openat(dirfd(stream), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child < 0) {
        int saved = errno;
        closedir(stream);
        Fail("cannot open directory", path / name, saved);
      }
      try {
        EmptyDirectory(child, path / name, device);
      } catch (...) {
        closedir(stream);
        throw;
      }
    }
    if (unlinkat(dirfd(stream), name.c_str(), S_ISDIR(info.st_mode) ? AT_REMOVEDIR : 0) != 0 &&
        errno != ENOENT) {
      int saved = errno;
      closedir(stream);
      Fail("cannot remove", path / name, saved);
    }
  }
  closedir(stream);
}

}  // namespace

void RemoveTreeNoFollow(const fs::path& path) {
  struct stat info {};
  if (lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return;
    Fail("cannot stat", path);
  }
  if (!S_ISDIR(info.st_mode)) {
    if (unlink(path.c_str()) != 0 && errno != ENOENT) Fail("cannot remove", path);
    return;
  }
  int dir = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir < 0) Fail("cannot open directory", path);
  struct stat opened {};
  if (fstat(dir, &opened) != 0 || opened.st_dev != info.st_dev || opened.st_ino != info.st_ino) {
    close(dir);
    Fail("directory changed while being removed", path, EBUSY);
  }
  EmptyDirectory(dir, path, info.st_dev);
  if (rmdir(path.c_str()) != 0 && errno != ENOENT) Fail("cannot remove", path);
}

}  // namespace hostlet::agent
