// The module's kept host sockets: a socket handed back after a call serves the next one, one
// that was not (its call failed part way) is never seen again, and a caller in another network
// namespace gets a socket that answers for that namespace and is not kept.
#include "plugins/cni/bridge/host_sockets.h"
#include "tests/cni/test_netns.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace hostlet::cni_test {
namespace {

using bridge::HostSockets;

// Sockets' inodes are not reused the way descriptor numbers and ports are.
ino_t InodeOf(const HostSockets::Lease& lease) {
  struct stat file {};
  EXPECT_EQ(fstat(nl_socket_get_fd(lease->get()), &file), 0);
  return file.st_ino;
}

class HostSocketsTest : public ::testing::Test {
 protected:
  void SetUp() override { IsolateHostNetwork(); }
};

TEST_F(HostSocketsTest, AReturnedSocketServesTheNextCallAndAnUnreturnedOneIsClosed) {
  HostSockets pool;
  ino_t returned = 0;
  {
    HostSockets::Lease lease = pool.Take();
    returned = InodeOf(lease);
    lease.Return();
  }
  ino_t abandoned = 0;
  {
    HostSockets::Lease lease = pool.Take();
    EXPECT_EQ(InodeOf(lease), returned);
    abandoned = InodeOf(lease);  // not returned: as after a failed exchange
  }
  HostSockets::Lease lease = pool.Take();
  EXPECT_NE(InodeOf(lease), abandoned);
  EXPECT_TRUE(lease->FindLink("lo"));
}

TEST_F(HostSocketsTest, ACallerInAnotherNamespaceGetsASocketOfItsOwnThatIsNotKept) {
  const std::string host_only = UniqueName("hlhs", 15);
  HostCommand({"ip", "link", "add", host_only, "type", "veth", "peer", "name", host_only + "p"});
  HostSockets pool;
  TestNetns pod("hostsockets");
  bool seen_from_pod = true;
  bool lo_in_pod = false;
  ino_t pod_socket = 0;
  std::thread caller([&] {
    int fd = open(pod.path().c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(setns(fd, CLONE_NEWNET), 0);
    close(fd);
    HostSockets::Lease lease = pool.Take();
    seen_from_pod = lease->FindLink(host_only).has_value();
    lo_in_pod = lease->FindLink("lo").has_value();
    pod_socket = InodeOf(lease);
    lease.Return();
  });
  caller.join();
  EXPECT_FALSE(seen_from_pod);
  EXPECT_TRUE(lo_in_pod);

  HostSockets::Lease lease = pool.Take();
  EXPECT_NE(InodeOf(lease), pod_socket);
  EXPECT_TRUE(lease->FindLink(host_only).has_value());
  HostCommand({"ip", "link", "del", host_only});
}

}  // namespace
}  // namespace hostlet::cni_test
