#include "plugins/cni/bridge/host_local/store.h"

#include <hostlet/sdk/network_plugin.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace hostlet::bridge::host_local {
namespace {

// What the reference writes between the container ID and the interface name.
constexpr char kLineBreak[] = "\r\n";
constexpr char kLastReservedPrefix[] = "last_reserved_ip.";

[[noreturn]] void IoFailure(const std::string& what, int error) {
  throw CniError(kCniIoFailure, what + ": " + std::strerror(error));
}

std::string Trim(const std::string& text) {
  const char* space = " \t\r\n\v\f";
  size_t begin = text.find_first_not_of(space);
  if (begin == std::string::npos) return {};
  return text.substr(begin, text.find_last_not_of(space) - begin + 1);
}

// What an address's file holds for the attachment that has it.
std::string RecordOf(const Attachment& attachment) {
  return Trim(attachment.first) + kLineBreak + attachment.second;
}

// These files are a line long and read on every ADD and DEL: plain reads, not a stream's
// buffers and locale.
std::optional<std::string> ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string content;
  char buffer[512];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return content;
}

bool WriteAll(int fd, const std::string& data) {
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

Store::Store(const std::string& data_dir, const std::string& network)
    : directory_(data_dir + "/" + network) {
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error) IoFailure("cannot create " + directory_, error.value());
}

Store::Lock::Lock(const std::string& path) {
  fd_ = open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) IoFailure("cannot open lock file " + path, errno);
  while (flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int saved = errno;
    close(fd_);
    IoFailure("cannot lock " + path, saved);
  }
}

// Closing the descriptor releases the flock.
Store::Lock::~Lock() { close(fd_); }

std::string Store::PathOf(const IpAddress& address) const {
  return directory_ + "/" + address.ToString();
}

bool Store::Reserve(const Attachment& attachment, const IpAddress& address, int range_set) {
  const std::string path = PathOf(address);
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) return false;
    IoFailure("cannot create " + path, errno);
  }
  bool written = WriteAll(fd, RecordOf(attachment));
  int saved = errno;
  if (close(fd) != 0 && written) {
    written = false;
    saved = errno;
  }
  if (!written) {
    unlink(path.c_str());
    IoFailure("cannot write " + path, saved);
  }
  // Overwritten in place and cut to length, not opened with O_TRUNC: ext4 takes a file truncated
  // to zero and written again for one being replaced and starts its writeback on close
  // (auto_da_alloc), which took longer than the whole rest of an allocation. The content is the
  // reference's all the same; like its O_TRUNC write, this is not atomic, and need not be: the
  // file only says where the next search starts, and one that does not parse as an address of
  // the range set is ignored.
  const std::string last = directory_ + "/" + kLastReservedPrefix + std::to_string(range_set);
  const std::string text = address.ToString();
  errno = EIO;  // what a short write reports
  fd = open(last.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()) ||
      ftruncate(fd, static_cast<off_t>(text.size())) != 0) {
    saved = errno;
    if (fd >= 0) close(fd);
    unlink(path.c_str());
    IoFailure("cannot write " + last, saved);
  }
  close(fd);
  return true;
}

std::optional<IpAddress> Store::LastReserved(int range_set) const {
  auto text = ReadFile(directory_ + "/" + kLastReservedPrefix + std::to_string(range_set));
  if (!text) return std::nullopt;
  return IpAddress::Parse(Trim(*text));
}

std::vector<Reservation> Store::List() const {
  std::vector<Reservation> reservations;
  DIR* dir = opendir(directory_.c_str());
  if (dir == nullptr) IoFailure("cannot read " + directory_, errno);
  while (dirent* entry = readdir(dir)) {
    // Only files named by an address are reservations; the lock and last_reserved_ip files
    // live beside them.
    auto address = IpAddress::Parse(entry->d_name);
    if (!address) continue;
    auto content = ReadFile(directory_ + "/" + entry->d_name);
    if (!content) continue;  // released meanwhile by a process not honouring the lock
    std::string text = Trim(*content);
    size_t split = text.find(kLineBreak);
    if (split == std::string::npos) {
      reservations.push_back({*address, text, ""});
    } else {
      reservations.push_back({*address, text.substr(0, split), text.substr(split + 2)});
    }
  }
  closedir(dir);
  return reservations;
}

std::vector<Reservation> Store::Matching(const Attachment& attachment) const {
  std::vector<Reservation> exact;
  std::vector<Reservation> legacy;
  const std::string id = Trim(attachment.first);
  for (Reservation& reservation : List()) {
    if (reservation.container_id != id) continue;
    if (reservation.if_name == attachment.second) {
      exact.push_back(std::move(reservation));
    } else if (reservation.if_name.empty()) {
      legacy.push_back(std::move(reservation));
    }
  }
  return exact.empty() ? legacy : exact;
}

std::vector<IpAddress> Store::Find(const Attachment& attachment) const {
  std::vector<IpAddress> addresses;
  for (const Reservation& reservation : Matching(attachment)) {
    addresses.push_back(reservation.address);
  }
  return addresses;
}

std::vector<IpAddress> Store::Release(const Attachment& attachment) {
  std::vector<IpAddress> released = Find(attachment);
  for (const IpAddress& address : released) ReleaseAddress(address);
  return released;
}

std::vector<IpAddress> Store::ReleaseAllBut(const std::set<Attachment>& valid) {
  std::set<std::string> valid_ids;
  for (const auto& [id, if_name] : valid) valid_ids.insert(id);
  std::vector<IpAddress> released;
  for (const Reservation& reservation : List()) {
    bool keep = reservation.if_name.empty()
                    ? valid_ids.contains(reservation.container_id)
                    : valid.contains({reservation.container_id, reservation.if_name});
    if (keep) continue;
    ReleaseAddress(reservation.address);
    released.push_back(reservation.address);
  }
  return released;
}

void Store::ReleaseIfHeldBy(const IpAddress& address, const Attachment& attachment) {
  auto content = ReadFile(PathOf(address));
  if (content && Trim(*content) == RecordOf(attachment)) ReleaseAddress(address);
}

void Store::ReleaseAddress(const IpAddress& address) {
  const std::string path = PathOf(address);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) IoFailure("cannot remove " + path, errno);
}

}  // namespace hostlet::bridge::host_local
