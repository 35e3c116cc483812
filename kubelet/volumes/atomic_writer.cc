#include "kubelet/volumes/atomic_writer.h"

#include "kubelet/volumes/pod_config_error.h"
#include "kubelet/volumes/safe_remove.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <set>
#include <system_error>

namespace hostlet::agent {
namespace fs = std::filesystem;
namespace {

constexpr const char* kDataLink = "..data";
constexpr const char* kDataLinkTmp = "..data_tmp";

[[noreturn]] void ThrowErrno(const std::string& what, const fs::path& path) {
  throw fs::filesystem_error(what, path, std::error_code(errno, std::generic_category()));
}

std::string FirstElement(const std::string& path) { return path.substr(0, path.find('/')); }

// What the current version holds, read without following links (the writer makes none inside a
// version); nullopt when there is no current version.
std::optional<Payload> ReadCurrent(const fs::path& dir) {
  std::error_code error;
  fs::path version = fs::read_symlink(dir / kDataLink, error);
  if (error || version.has_parent_path()) return std::nullopt;
  Payload current;
  const fs::path root = dir / version;
  for (auto it = fs::recursive_directory_iterator(root, error); !error && it != fs::end(it);
       it.increment(error)) {
    auto status = it->symlink_status();
    if (fs::is_directory(status)) continue;
    if (!fs::is_regular_file(status)) return std::nullopt;  // not ours: rewrite
    FileProjection file;
    file.mode = static_cast<unsigned>(status.permissions()) & 07777;
    int fd = open(it->path().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    char buffer[65536];
    ssize_t got;
    while ((got = read(fd, buffer, sizeof buffer)) > 0)
      file.data.append(buffer, static_cast<size_t>(got));
    close(fd);
    if (got < 0) return std::nullopt;
    current[it->path().lexically_relative(root).string()] = std::move(file);
  }
  if (error) return std::nullopt;
  return current;
}

void WriteFile(const fs::path& file, const FileProjection& projection) {
  int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) ThrowErrno("cannot create", file);
  size_t done = 0;
  while (done < projection.data.size()) {
    ssize_t wrote = write(fd, projection.data.data() + done, projection.data.size() - done);
    if (wrote < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      close(fd);
      errno = saved;
      ThrowErrno("cannot write", file);
    }
    done += static_cast<size_t>(wrote);
  }
  // fchmod, not the open mode, so the process umask cannot strip bits the pod asked for.
  if (fchmod(fd, projection.mode) != 0 || close(fd) != 0) ThrowErrno("cannot finish", file);
}

// A fresh version directory named after the time, as the kubelet names them (for people reading
// the directory; the random suffix is what makes it unique).
fs::path NewVersionDir(const fs::path& dir) {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "..%Y_%m_%d_%H_%M_%S.", &utc);
  std::string pattern = (dir / (std::string(stamp) + "XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) ThrowErrno("cannot create a version directory in", dir);
  if (chmod(pattern.c_str(), 0755) != 0) ThrowErrno("cannot chmod", pattern);
  return pattern;
}

}  // namespace

void ValidatePayloadPath(const std::string& path) {
  if (path.empty()) ThrowConfigError("invalid path: must not be empty");
  if (path.front() == '/') ThrowConfigError("invalid path \"" + path + "\": must be relative");
  if (path.size() > 4096) ThrowConfigError("invalid path: longer than 4096 characters");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string element = path.substr(start, end - start);
    if (element == "..") ThrowConfigError("invalid path \"" + path + "\": must not contain '..'");
    // Empty and "." elements would name the same file two ways, and a file would never compare
    // equal to what was written, so every sync would write a new version.
    if (element.empty() || element == ".") {
      ThrowConfigError("invalid path \"" + path + "\": must not contain empty or '.' elements");
    }
    if (start == 0 && element.rfind("..", 0) == 0) {
      ThrowConfigError("invalid path \"" + path + "\": must not start with '..'");
    }
    start = end + 1;
  }
}

void WriteAtomically(const fs::path& dir, const Payload& payload) {
  for (const auto& [path, file] : payload) ValidatePayloadPath(path);
  fs::create_directories(dir);

  std::set<std::string> visible;  // the top-level names the payload shows
  for (const auto& [path, file] : payload) visible.insert(FirstElement(path));

  std::error_code error;
  auto current = ReadCurrent(dir);
  if (!current || *current != payload) {
    const fs::path version = NewVersionDir(dir);
    for (const auto& [path, file] : payload) {
      fs::path target = version / path;
      fs::create_directories(target.parent_path());
      for (fs::path up = target.parent_path(); up != version; up = up.parent_path()) {
        fs::permissions(up, fs::perms(0755));
      }
      WriteFile(target, file);
    }
    // The swap: a new link beside the old, renamed over it in one step.
    fs::remove(dir / kDataLinkTmp);
    fs::create_symlink(version.filename(), dir / kDataLinkTmp);
    fs::rename(dir / kDataLinkTmp, dir / kDataLink);
  }

  // The visible links point through ..data, so they never change once made; only the set of
  // names does.
  for (const auto& name : visible) {
    const fs::path link = dir / name;
    const fs::path wanted = fs::path(kDataLink) / name;
    auto status = fs::symlink_status(link, error);
    if (fs::exists(status)) {
      if (fs::is_symlink(status) && fs::read_symlink(link) == wanted) continue;
      if (!fs::is_symlink(status))
        ThrowConfigError("volume file " + link.string() + " exists and is not ours");
      fs::remove(link);
    }
    fs::create_symlink(wanted, link);
  }

  // Names of the previous payload, and versions left by this write or by one that was cut short.
  const std::string current_version = fs::read_symlink(dir / kDataLink).string();
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name == kDataLink || name == current_version || visible.count(name) != 0) continue;
    auto status = entry.symlink_status();
    if (name.rfind("..", 0) == 0) {
      RemoveTreeNoFollow(entry.path());
    } else if (fs::is_symlink(status) &&
               fs::read_symlink(entry.path()).string().rfind(kDataLink, 0) == 0) {
      fs::remove(entry.path());
    }
  }
}

}  // namespace hostlet::agent
