// The README's first command as a user runs it: `make up` gives kubectl a one-node cluster whose
// pods run and serve, and `make down` removes all of it. Run inside a network namespace the test
// creates (so the node's bridge and addresses stay in it), with the run directory and the cgroup
// root the test's own, and without rebuilding (`-o build`: CTest runs after the build).
#include "tests/support/fixtures.h"
#include "tests/support/hostlet_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <csignal>
#include <fstream>

namespace hostlet {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::Eventually;
using ::testing::HasSubstr;
using testing::ReadFile;
using testing::RunCommand;
using testing::TempDir;

class MakeUp : public ::testing::Test {
 protected:
  void SetUp() override {
    netns_ = "hostlet-makeup-" + std::to_string(getpid());
    cgroup_root_ = "/hostlet-makeup-" + std::to_string(getpid());
    run_ = dir_.path() / "run";
    ASSERT_EQ(RunCommand("ip netns add " + netns_).exit_code, 0) << "needs root";
    netns_made_ = true;
    ASSERT_EQ(InNetns("ip link set lo up").exit_code, 0);
  }

  void TearDown() override {
    // Whatever a failed test left: the processes make up recorded (by their PIDs), then the
    // node's remains, the way make down removes them.
    for (const char* name : {"hostlet.pid", "server.pid"}) {
      std::string pid = ReadFile(run_ / name);
      if (!pid.empty() && std::stoi(pid) > 1) ::kill(std::stoi(pid), SIGKILL);
    }
    if (std::filesystem::exists(run_)) {
      InNetns(std::string(HOSTLET_SOURCE_DIR) + "/scripts/node-cleanup.sh " + run_.string() + " " +
              cgroup_root_);
    }
    if (netns_made_) RunCommand("ip netns delete " + netns_);
  }

  CommandResult InNetns(const std::string& command) {
    return RunCommand("nsenter --net=/run/netns/" + netns_ + " " + command);
  }
  CommandResult Make(const std::string& target) {
    // HOME: kubectl's cache, which make's kubectl calls write, stays in the test's directory.
    return InNetns("env HOME=" + dir_ / "home" + " make -C " + std::string(HOSTLET_SOURCE_DIR) +
                   " -o build " + target + " BUILD=" + HOSTLET_BUILD_DIR + " RUN=" + run_.string() +
                   " NODE_NAME=makeup-node CGROUP_ROOT=" + cgroup_root_);
  }
  CommandResult Kubectl(const std::string& arguments) {
    auto result = InNetns("env -i PATH=/usr/bin:/bin HOME=" + dir_ / "home" + " KUBECONFIG=" +
                          (run_ / "server/admin.kubeconfig").string() + " kubectl --cache-dir " +
                          dir_ / "cache" + " --request-timeout 20s " + arguments);
    while (!result.output.empty() && result.output.back() == '\n') result.output.pop_back();
    return result;
  }

  TempDir dir_;
  std::filesystem::path run_;
  std::string netns_, cgroup_root_;
  bool netns_made_ = false;
};

TEST_F(MakeUp, GivesKubectlAOneNodeClusterAndMakeDownRemovesIt) {
  auto up = Make("up");
  ASSERT_EQ(up.exit_code, 0) << up.output;
  EXPECT_THAT(up.output, HasSubstr("node makeup-node is Ready"));
  EXPECT_THAT(up.output,
              HasSubstr("export KUBECONFIG=" + (run_ / "server/admin.kubeconfig").string()));
  std::string agent_pid = ReadFile(run_ / "hostlet.pid");
  std::string server_pid = ReadFile(run_ / "server.pid");
  ASSERT_FALSE(agent_pid.empty());
  ASSERT_FALSE(server_pid.empty());

  // The first command up suggests, then the page from the pod's address.
  auto run = Kubectl(
      "run web --image=localhost/busybox:latest --restart=Never -- sh -c 'mkdir -p /www && echo "
      "hello from $(hostname) | tee /www/index.html && exec httpd -f -p 8080 -h /www'");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::string ip;
  ASSERT_TRUE(Eventually(
      [&] {
        ip = Kubectl("get pod web -o jsonpath={.status.podIP}").output;
        return Kubectl("get pod web -o jsonpath={.status.phase}").output == "Running" &&
               !ip.empty();
      },
      std::chrono::seconds(60)))
      << Kubectl("get pod web -o yaml").output << ReadFile(run_ / "hostlet.log");
  EXPECT_THAT(ip, ::testing::StartsWith("10.88."));
  CommandResult page;
  EXPECT_TRUE(Eventually(
      [&] {
        page = InNetns("wget -q -T 2 -t 1 -O - http://" + ip + ":8080/");
        return page.exit_code == 0;
      },
      std::chrono::seconds(20)))
      << page.output;
  EXPECT_EQ(page.output, "hello from web\n");
  // kubectl logs reaches the agent's server through hostlet-server.
  auto logs = Kubectl("logs web");
  EXPECT_EQ(logs.exit_code, 0) << logs.output;
  EXPECT_EQ(logs.output, "hello from web");

  auto down = Make("down");
  EXPECT_EQ(down.exit_code, 0) << down.output;
  EXPECT_FALSE(std::filesystem::exists(run_)) << down.output;
  EXPECT_NE(::kill(std::stoi(agent_pid), 0), 0) << "the agent still runs";
  EXPECT_NE(::kill(std::stoi(server_pid), 0), 0) << "hostlet-server still runs";
  EXPECT_NE(InNetns("ip link show hostlet0").exit_code, 0) << "the bridge is still there";
  EXPECT_TRUE(InNetns("ip -o link show type veth").output.empty());
  for (const char* controller : {"memory", "cpu,cpuacct", "pids"}) {
    auto left = std::filesystem::path("/sys/fs/cgroup") / controller / cgroup_root_.substr(1);
    EXPECT_FALSE(std::filesystem::exists(left)) << left;
  }
  EXPECT_EQ(RunCommand("grep -c " + run_.string() + " /proc/self/mountinfo").output, "0\n");
}

}  // namespace
}  // namespace hostlet
