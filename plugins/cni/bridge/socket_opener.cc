#include "plugins/cni/bridge/socket_opener.h"

#include <sched.h>

#include <exception>
#include <optional>
#include <system_error>
#include <utility>

namespace hostlet::bridge {

SocketOpener::~SocketOpener() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  requested_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::future<std::vector<UniqueFd>> SocketOpener::Open(const NetnsFile& netns,
                                                      std::vector<unsigned> groups) {
  Request request{netns.Duplicate(), std::move(groups), {}};
  std::future<std::vector<UniqueFd>> sockets = request.sockets.get_future();
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(request));
    if (!thread_.joinable()) {
      try {
        thread_ = std::thread(&SocketOpener::Serve, this);
      } catch (...) {
        requests_.pop_back();  // nobody would ever answer it
        throw;
      }
    }
  }
  requested_.notify_one();
  return sockets;
}

void SocketOpener::Serve() {
  // The namespace to go back to after each request, so as not to keep a pod's namespace alive
  // after its sockets are closed: this thread's own, its creator's.
  std::optional<NetnsFile> home;
  try {
    home = NetnsFile::Open("/proc/thread-self/ns/net");
  } catch (const std::system_error&) {
  }
  std::unique_lock lock(mutex_);
  for (;;) {
    requested_.wait(lock, [&] { return stopping_ || !requests_.empty(); });
    if (requests_.empty()) return;  // stopping, with nothing left to open
    Request request = std::move(requests_.front());
    requests_.pop_front();
    lock.unlock();
    try {
      EnterNetns(request.netns);
      std::vector<UniqueFd> sockets;
      for (unsigned groups : request.groups) sockets.push_back(OpenRouteSocket(groups));
      request.sockets.set_value(std::move(sockets));
    } catch (...) {
      request.sockets.set_exception(std::current_exception());
    }
    // Should this ever fail, the next request enters its own namespace all the same; only the
    // pod's namespace stays alive a little longer.
    if (home) (void)setns(home->fd(), CLONE_NEWNET);
    lock.lock();
  }
}

}  // namespace hostlet::bridge
