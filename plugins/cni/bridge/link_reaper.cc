#include "plugins/cni/bridge/link_reaper.h"

#include <hostlet/sdk/network_plugin.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>
#include <utility>

namespace hostlet::bridge {
namespace {

// Requests beyond this many in flight wait for a thread to be free. The kernel shares one RCU
// barrier among the requests waiting for it, so this bounds threads, not throughput.
constexpr size_t kMaxThreads = 64;

constexpr uint32_t kSequence = 1;

// Reads every queued message of a monitor socket and strikes the links of `pending` watched
// through it whose removal is announced. False when announcements were lost.
bool DrainRemovals(int monitor, std::vector<WatchedLink>& pending, std::vector<nlmsghdr>& space) {
  char* buffer = reinterpret_cast<char*>(space.data());
  for (;;) {
    ssize_t size = recv(monitor, buffer, space.size() * sizeof(nlmsghdr), MSG_DONTWAIT);
    if (size < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;  // ENOBUFS: the queue overflowed
    }
    auto remaining = static_cast<unsigned>(size);
    for (auto* header = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(header, remaining);
         header = NLMSG_NEXT(header, remaining)) {
      if (header->nlmsg_type != RTM_DELLINK ||
          header->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) {
        continue;
      }
      const auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(header));
      // A bridge announces a port's leaving as an AF_BRIDGE RTM_DELLINK first; the device's own
      // removal is the AF_UNSPEC one.
      if (info->ifi_family != AF_UNSPEC) continue;
      std::erase_if(pending, [&](const WatchedLink& link) {
        return link.monitor == monitor && link.ifindex == info->ifi_index;
      });
    }
  }
}

}  // namespace

struct LinkReaper::Request {
  UniqueFd socket;
  int ifindex = 0;
  UniqueFd answered;  // an eventfd, written once the answer is in `error`
  std::atomic<int> error{0};

  // Sends RTM_DELLINK and waits for the answer: this is the call that sits out the kernel's
  // barrier on success.
  void Send() {
    struct {
      nlmsghdr header;
      ifinfomsg info;
    } message{};
    message.header.nlmsg_len = sizeof(message);
    message.header.nlmsg_type = RTM_DELLINK;
    message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    message.header.nlmsg_seq = kSequence;
    message.info.ifi_family = AF_UNSPEC;
    message.info.ifi_index = ifindex;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    int result = 0;
    while (sendto(socket.get(), &message, sizeof(message), 0,
                  reinterpret_cast<const sockaddr*>(&kernel), sizeof(kernel)) < 0) {
      if (errno != EINTR) {
        result = errno;
        break;
      }
    }
    alignas(nlmsghdr) char buffer[8192];
    bool acknowledged = result != 0;
    while (!acknowledged) {
      ssize_t size = recv(socket.get(), buffer, sizeof(buffer), 0);
      if (size < 0) {
        if (errno == EINTR) continue;
        result = errno;
        break;
      }
      auto remaining = static_cast<unsigned>(size);
      for (auto* header = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(header, remaining);
           header = NLMSG_NEXT(header, remaining)) {
        if (header->nlmsg_type != NLMSG_ERROR || header->nlmsg_seq != kSequence ||
            header->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) {
          continue;
        }
        result = -static_cast<const nlmsgerr*>(NLMSG_DATA(header))->error;
        acknowledged = true;
        break;
      }
    }
    error.store(result, std::memory_order_release);
    uint64_t one = 1;
    while (write(answered.get(), &one, sizeof(one)) < 0 && errno == EINTR) {
    }
  }
};

LinkReaper::~LinkReaper() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  // Each thread sends whatever is still queued before it exits, and waits for the answer.
  for (std::thread& thread : threads_) thread.join();
}

void LinkReaper::Serve() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping, with nothing left to send
    std::shared_ptr<Request> request = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    request->Send();
    lock.lock();
    --in_flight_;
  }
}

size_t LinkReaper::InFlight() {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

Removal LinkReaper::Remove(UniqueFd socket, int ifindex, const std::string& name,
                           const std::vector<WatchedLink>& watched) {
  auto request = std::make_shared<Request>();
  request->socket = std::move(socket);
  request->ifindex = ifindex;
  request->answered = UniqueFd(eventfd(0, EFD_CLOEXEC));
  if (!request->answered) {
    throw CniError(kCniPluginFailure, std::string("eventfd: ") + std::strerror(errno));
  }
  bool queued = true;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(request);
    ++in_flight_;
    // Threads are kept once started, so that a deletion usually wakes one rather than creating
    // one; a new one is started only when every thread is busy sitting out a barrier.
    if (queue_.size() > idle_ && threads_.size() < kMaxThreads) {
      try {
        threads_.emplace_back(&LinkReaper::Serve, this);
      } catch (const std::system_error&) {
        if (threads_.empty()) {
          // No thread to be had at all: send it from this one, and wait for the answer.
          queue_.pop_back();
          --in_flight_;
          queued = false;
        }
      }
    }
  }
  if (queued) {
    queued_.notify_one();
  } else {
    request->Send();
  }

  std::vector<WatchedLink> pending = watched;
  bool watching = !pending.empty();
  std::vector<pollfd> polls;
  // Room for any link message, so that none is truncated.
  std::vector<nlmsghdr> space(watching ? 65536 / sizeof(nlmsghdr) : 0);
  for (;;) {
    polls.assign(1, {request->answered.get(), POLLIN, 0});
    if (watching) {
      for (const WatchedLink& link : pending) {
        bool listed = std::any_of(polls.begin() + 1, polls.end(),
                                  [&](const pollfd& poll) { return poll.fd == link.monitor; });
        if (!listed) polls.push_back({link.monitor, POLLIN, 0});
      }
    }
    if (poll(polls.data(), polls.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw CniError(kCniPluginFailure, std::string("poll: ") + std::strerror(errno));
    }
    for (size_t i = 1; i < polls.size() && watching; ++i) {
      if (polls[i].revents != 0 && !DrainRemovals(polls[i].fd, pending, space)) watching = false;
    }
    if (watching && pending.empty()) return Removal::kAnnounced;
    if (polls[0].revents == 0) continue;
    switch (int error = request->error.load(std::memory_order_acquire)) {
      case 0:
        return Removal::kAnswered;
      case ENODEV:
        return Removal::kAbsent;
      default:
        throw CniError(kCniPluginFailure, "failed to delete " + name + ": " + std::strerror(error));
    }
  }
}

}  // namespace hostlet::bridge
