#include "plugins/cni/bridge/host_sockets.h"

#include <hostlet/sdk/network_plugin.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace hostlet::bridge {

HostSockets::NamespaceId HostSockets::CallersNamespace() {
  struct stat file {};
  if (stat("/proc/thread-self/ns/net", &file) != 0) {
    throw CniError(
        kCniPluginFailure,
        std::string("cannot identify this thread's network namespace: ") + std::strerror(errno));
  }
  return {file.st_dev, file.st_ino};
}

HostSockets::HostSockets() : home_(CallersNamespace()) {}

HostSockets::Lease HostSockets::Take() {
  if (CallersNamespace() != home_) return Lease(nullptr, std::make_unique<NetlinkSocket>());
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<NetlinkSocket> socket = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(socket));
    }
  }
  return Lease(this, std::make_unique<NetlinkSocket>());
}

void HostSockets::Lease::Return() {
  if (pool_ == nullptr || !socket_) return;
  std::lock_guard lock(pool_->mutex_);
  if (pool_->idle_.size() < kMaxIdle) pool_->idle_.push_back(std::move(socket_));
  socket_.reset();
}

}  // namespace hostlet::bridge
