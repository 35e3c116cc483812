#include "plugins/cni/bridge/socket_opener.h"

#include <sched.h>

#include <system_error>
#include <utility>

namespace hostlet::bridge {

std::future<std::vector<UniqueFd>> SocketOpener::Open(const NetnsFile& netns,
                                                      std::vector<unsigned> groups) {
  return worker_.Run([this, target = netns.Duplicate(), groups = std::move(groups)] {
    return OpenInside(target, groups);
  });
}

std::vector<UniqueFd> SocketOpener::OpenInside(const NetnsFile& netns,
                                               const std::vector<unsigned>& groups) {
  if (!home_known_) {
    home_known_ = true;
    try {
      home_ = NetnsFile::Open("/proc/thread-self/ns/net");
    } catch (const std::system_error&) {
    }
  }
  struct GoHome {
    const std::optional<NetnsFile>& home;
    // Should this ever fail, the next request enters its own namespace all the same; only the
    // pod's namespace stays alive a little longer.
    ~GoHome() {
      if (home) (void)setns(home->fd(), CLONE_NEWNET);
    }
  } go_home{home_};
  EnterNetns(netns);
  std::vector<UniqueFd> sockets;
  for (unsigned group : groups) sockets.push_back(OpenRouteSocket(group));
  return sockets;
}

}  // namespace hostlet::bridge
