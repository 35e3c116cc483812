#include "plugins/runtime/oci/helper/namespaces.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

namespace hostlet::oci::helper {
namespace {

int Fail(const std::string& what) {
  std::cerr << what << ": " << std::strerror(errno) << "\n";
  return 1;
}

bool Pin(const std::string& source, const std::string& target) {
  int fd = open(target.c_str(), O_CREAT | O_RDONLY | O_CLOEXEC, 0444);
  if (fd < 0) return false;
  close(fd);
  return mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) == 0;
}

bool LoopbackUp() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ioctl(fd, SIOCGIFFLAGS, &request) == 0;
  request.ifr_flags |= IFF_UP;
  ok = ok && ioctl(fd, SIOCSIFFLAGS, &request) == 0;
  close(fd);
  return ok;
}

}  // namespace

int PinNamespaces(const std::string& dir, const std::string& hostname, bool net, bool ipc) {
  int flags = CLONE_NEWUTS | (net ? CLONE_NEWNET : 0) | (ipc ? CLONE_NEWIPC : 0);
  if (unshare(flags) != 0) return Fail("unshare");
  if (sethostname(hostname.data(), hostname.size()) != 0) return Fail("sethostname " + hostname);
  if (net && !LoopbackUp()) return Fail("bringing up lo");
  if (!Pin("/proc/self/ns/uts", dir + "/utsns")) return Fail("pinning the UTS namespace");
  if (net && !Pin("/proc/self/ns/net", dir + "/netns")) return Fail("pinning the network namespace");
  if (ipc && !Pin("/proc/self/ns/ipc", dir + "/ipcns")) return Fail("pinning the IPC namespace");
  return 0;
}

}  // namespace hostlet::oci::helper
