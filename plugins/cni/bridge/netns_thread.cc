#include "plugins/cni/bridge/netns_thread.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <system_error>
#include <thread>

namespace hostlet::bridge {

std::optional<NetnsFile> NetnsFile::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw std::system_error(errno, std::generic_category(), "cannot open netns " + path);
  }
  NetnsFile file(fd);
  if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
    throw std::system_error(EINVAL, std::generic_category(), path + " is not a network namespace");
  }
  return file;
}

NetnsFile NetnsFile::Duplicate() const {
  int fd = fcntl(fd_, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot duplicate a netns");
  return NetnsFile(fd);
}

void EnterNetns(const NetnsFile& netns) {
  if (setns(netns.fd(), CLONE_NEWNET) != 0) {
    throw std::system_error(errno, std::generic_category(), "cannot enter netns");
  }
}

NetnsFile& NetnsFile::operator=(NetnsFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

NetnsFile::~NetnsFile() {
  if (fd_ >= 0) close(fd_);
}

void RunInNetns(const NetnsFile& netns, const std::function<void()>& work) {
  std::exception_ptr failure;
  // A thread inherits the namespaces of the thread that creates it, not of the process, so the
  // setns() below affects this worker alone, and the namespace goes with it when it exits.
  std::thread worker([&] {
    try {
      EnterNetns(netns);
      work();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  worker.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace hostlet::bridge
