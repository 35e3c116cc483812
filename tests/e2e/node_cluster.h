// The whole node for end-to-end tests: hostlet-server and the hostlet agent (the OCI runtime
// module on runc or on hostlet-runtime, the bridge network module) in a network namespace the test creates, which
// plays the host, driven by the real kubectl. Pods run busybox from the image
// scripts/busybox-image.sh builds, as `make up` does. Nothing outside the namespace and the test's
// directories is touched: the pods' cgroups go under a cgroup root of the test's own, removed at
// the end.
#pragma once

#include "tests/support/child_process.h"
#include "tests/support/fixtures.h"
#include "tests/support/hostlet_server.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace hostlet::testing {

using nlohmann::json;

constexpr const char* kNode = "e2e-node";

class NodeCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    netns_ = "hostlet-e2e-" + std::to_string(getpid());
    cgroup_root_ = "/hostlet-e2e-" + std::to_string(getpid());
    ASSERT_EQ(Host("ip netns add " + netns_).exit_code, 0)
        << "network namespaces are needed (run as root)";
    netns_made_ = true;
    ASSERT_EQ(InNetns("ip link set lo up").exit_code, 0);
    for (const char* sub : {"plugins", "images", "net.d", "manifests", "home", "cache"}) {
      std::filesystem::create_directories(dir_.path() / sub);
    }
    std::filesystem::copy_file(HOSTLET_OCI_RUNTIME, dir_.path() / "plugins/oci_runtime.so");
    std::filesystem::copy_file(HOSTLET_OCI_HELPER, dir_.path() / "plugins/hostlet-oci-helper");
    std::filesystem::copy_file(HOSTLET_OCI_UNPACK, dir_.path() / "plugins/hostlet-oci-unpack");
    std::filesystem::copy_file(HOSTLET_CNI_BRIDGE, dir_.path() / "plugins/cni_bridge.so");
    auto image = Host(std::string(HOSTLET_SOURCE_DIR) + "/scripts/busybox-image.sh " +
                      dir_ / "images/busybox.tar");
    ASSERT_EQ(image.exit_code, 0) << image.output;
    json conflist = {{"cniVersion", "1.0.0"},
                     {"name", "e2e"},
                     {"plugins",
                      {{{"type", "bridge"},
                        {"bridge", "hle2e0"},
                        {"isGateway", true},
                        {"ipMasq", false},
                        {"ipam",
                         {{"type", "host-local"},
                          {"dataDir", dir_ / "ipam"},
                          {"ranges", {{{{"subnet", "10.252.9.0/24"}}}}},
                          {"routes", {{{"dst", "0.0.0.0/0"}}}}}}}}}};
    std::ofstream(dir_ / "net.d/10-e2e.conflist") << conflist.dump();
    if (standalone_) {
      StartAgent();
      return;
    }
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/nsenter", "--net=/run/netns/" + netns_,
                                 HOSTLET_SERVER_BINARY, "--data-dir", dir_ / "server", "--listen",
                                 "127.0.0.1:0"},
        dir_ / "server.log");
    ASSERT_TRUE(Eventually([&] {
      return std::filesystem::exists(dir_.path() / "server/admin.kubeconfig");
    })) << ReadFile(dir_.path() / "server.log");
    StartAgent();
    ASSERT_TRUE(Eventually(
        [&] {
          return Kubectl("get node " + std::string(kNode) +
                         " -o 'jsonpath={.status.conditions[?(@.type==\"Ready\")].status}'")
                     .output == "True";
        },
        std::chrono::seconds(60)))
        << Kubectl("get nodes -o yaml").output << ReadFile(dir_.path() / "agent.log");
  }

  void StartAgent() {
    json oci = {{"root", dir_ / "oci-root"}, {"state", dir_ / "oci-state"}};
    if (!oci_runtime_.empty()) oci["runtime"] = oci_runtime_;
    std::vector<std::string> command{"/usr/bin/nsenter", "--net=/run/netns/" + netns_,
                                     HOSTLET_AGENT_BINARY};
    if (!standalone_) {
      command.insert(command.end(), {"--kubeconfig", dir_ / "server/admin.kubeconfig"});
    }
    command.insert(command.end(), {"--node-name",       kNode,
                                   "--root-dir",        dir_ / "root",
                                   "--pod-logs-dir",    dir_ / "pod-logs",
                                   "--images-dir",      dir_ / "images",
                                   "--static-pod-path", dir_ / "manifests",
                                   "--cgroup-root",     cgroup_root_,
                                   "--plugin-dir",      dir_ / "plugins",
                                   "--plugin-config",   "oci=" + oci.dump(),
                                   "--socket-dir",      dir_ / "sockets",
                                   "--cni-conf-dir",    dir_ / "net.d",
                                   "--cni-cache-dir",   dir_ / "cni-cache"});
    command.insert(command.end(), agent_flags_.begin(), agent_flags_.end());
    agent_ = std::make_unique<ChildProcess>(command, dir_ / "agent.log");
  }

  void TearDown() override {
    if (agent_ && agent_->Running()) {
      // The agent tears every pod down when it is deleted; wait for that before stopping it.
      if (!standalone_) {
        Kubectl("delete pods --all --wait --timeout=60s");
        Eventually(
            [&] { return Kubectl("get pods -o name").output.find("pod/") == std::string::npos; },
            std::chrono::seconds(60));
      }
      for (const auto& file : std::filesystem::directory_iterator(dir_.path() / "manifests")) {
        std::filesystem::remove(file.path());
      }
      Eventually(
          [&] {
            return !std::filesystem::exists(dir_.path() / "root/pods") ||
                   std::filesystem::is_empty(dir_.path() / "root/pods");
          },
          std::chrono::seconds(30));
      EXPECT_EQ(agent_->Stop(SIGTERM, std::chrono::seconds(30)), 0)
          << ReadFile(dir_.path() / "agent.log");
    }
    agent_.reset();
    // Whatever a failed test left behind, removed the way `make down` removes it: containers
    // through the OCI runtime's records, mounts under the test's directory, the bridge (inside
    // the namespace), the cgroups under the test's cgroup root.
    if (server_) server_->Stop(SIGTERM, std::chrono::seconds(10));
    if (netns_made_) {
      auto cleanup = InNetns(std::string(HOSTLET_SOURCE_DIR) + "/scripts/node-cleanup.sh " +
                             dir_.path().string() + " " + cgroup_root_ + " " +
                             (oci_runtime_.empty() ? "runc" : oci_runtime_));
      if (!cleanup.output.empty()) std::cerr << cleanup.output << "\n";
    }
    if (netns_made_) Host("ip netns delete " + netns_);
  }

  CommandResult Host(const std::string& command) { return RunCommand(command); }
  // nsenter, not `ip netns exec`: that also makes a mount namespace with its own /sys, where
  // runc finds no cgroup mounts.
  CommandResult InNetns(const std::string& command) {
    auto result = RunCommand("nsenter --net=/run/netns/" + netns_ + " " + command);
    while (!result.output.empty() && result.output.back() == '\n') result.output.pop_back();
    return result;
  }
  CommandResult Kubectl(const std::string& arguments) {
    auto result = InNetns("env -i PATH=/usr/bin:/bin HOME=" + dir_ / "home" + " KUBECONFIG=" +
                          dir_ / "server/admin.kubeconfig" + " kubectl --cache-dir " +
                          dir_ / "cache" + " --request-timeout 20s " + arguments);
    while (!result.output.empty() && result.output.back() == '\n') result.output.pop_back();
    return result;
  }
  CommandResult Apply(const std::string& manifest) {
    static int counter = 0;
    std::string file = dir_ / ("manifest-" + std::to_string(++counter) + ".yaml");
    std::ofstream(file) << manifest;
    return Kubectl("apply -f " + file);
  }
  json Pod(const std::string& name) {
    auto result = Kubectl("get pod " + name + " -o json");
    if (result.exit_code != 0) return json();
    return json::parse(result.output, nullptr, false);
  }
  // Waits for the pod to satisfy `condition`; the failure message shows the pod and the log.
  template <class Condition>
  ::testing::AssertionResult PodBecomes(const std::string& name, Condition condition,
                                        std::chrono::seconds timeout = std::chrono::seconds(60)) {
    json last;
    bool met = Eventually(
        [&] {
          last = Pod(name);
          return last.is_object() && condition(last);
        },
        timeout);
    if (met) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "pod " << name << " is now:\n"
                                         << last.dump(2) << "\nagent log:\n"
                                         << ReadFile(dir_.path() / "agent.log");
  }
  // Waits for an event about pod `name` whose text has `text`: the agent posts events from a
  // thread of their own, so one can land just after the status a test waited for.
  ::testing::AssertionResult EventsSay(const std::string& name, const std::string& text) {
    std::string events;
    if (Eventually([&] {
          events = Kubectl("get events --field-selector involvedObject.name=" + name).output;
          return events.find(text) != std::string::npos;
        })) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "no event about " << name << " says \"" << text << "\"; they are:\n"
           << events;
  }
  static std::string Phase(const json& pod) {
    return pod.value("status", json::object()).value("phase", "");
  }
  static json ContainerStatus(const json& pod, size_t i = 0) {
    auto statuses = pod.value("status", json::object()).value("containerStatuses", json::array());
    return i < statuses.size() ? statuses[i] : json::object();
  }
  // Why container `i` waits (ContainerCreating, ErrImagePull, ...), or "" when it does not.
  static std::string WaitingReason(const json& pod, size_t i = 0) {
    return ContainerStatus(pod, i)
        .value("state", json::object())
        .value("waiting", json::object())
        .value("reason", "");
  }

  // Flags added to the agent's command line; set them before SetUp runs (in the constructor).
  std::vector<std::string> agent_flags_;
  // No apiserver: the agent runs the static pods of its manifest directory alone. Set it in the
  // constructor.
  bool standalone_ = false;
  std::string oci_runtime_;  // the OCI runtime the module drives; empty: its default, runc
  TempDir dir_;
  std::string netns_, cgroup_root_;
  bool netns_made_ = false;
  std::unique_ptr<ChildProcess> server_, agent_;
};

}  // namespace hostlet::testing
