// The whole node end to end: hostlet-server and the hostlet agent (the OCI runtime module on
// runc, the bridge network module) in a network namespace the test creates, which plays the
// host, driven by the real kubectl. Pods run busybox from the image scripts/busybox-image.sh
// builds, as `make up` does. Nothing outside the namespace and the test's directories is touched:
// the pods' cgroups go under a cgroup root of the test's own, removed at the end.
#include "tests/support/child_process.h"
#include "tests/support/fixtures.h"
#include "tests/support/hostlet_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <fstream>

namespace hostlet {
namespace {

using nlohmann::json;
using testing::ChildProcess;
using testing::CommandResult;
using testing::Eventually;
using ::testing::HasSubstr;
using testing::ReadFile;
using testing::RunCommand;
using testing::TempDir;

constexpr const char* kNode = "e2e-node";

class NodeAgent : public ::testing::Test {
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
    agent_ =
        std::make_unique<ChildProcess>(std::vector<std::string>{"/usr/bin/nsenter",
                                                                "--net=/run/netns/" + netns_,
                                                                HOSTLET_AGENT_BINARY,
                                                                "--kubeconfig",
                                                                dir_ / "server/admin.kubeconfig",
                                                                "--node-name",
                                                                kNode,
                                                                "--root-dir",
                                                                dir_ / "root",
                                                                "--pod-logs-dir",
                                                                dir_ / "pod-logs",
                                                                "--images-dir",
                                                                dir_ / "images",
                                                                "--static-pod-path",
                                                                dir_ / "manifests",
                                                                "--cgroup-root",
                                                                cgroup_root_,
                                                                "--plugin-dir",
                                                                dir_ / "plugins",
                                                                "--plugin-config",
                                                                "oci=" + oci.dump(),
                                                                "--socket-dir",
                                                                dir_ / "sockets",
                                                                "--cni-conf-dir",
                                                                dir_ / "net.d",
                                                                "--cni-cache-dir",
                                                                dir_ / "cni-cache"},
                                       dir_ / "agent.log");
  }

  void TearDown() override {
    if (agent_ && agent_->Running()) {
      // The agent tears every pod down when it is deleted; wait for that before stopping it.
      Kubectl("delete pods --all --wait --timeout=60s");
      Eventually(
          [&] { return Kubectl("get pods -o name").output.find("pod/") == std::string::npos; },
          std::chrono::seconds(60));
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
    // through runc's records, mounts under the test's directory, the bridge (inside the
    // namespace), the cgroups under the test's cgroup root.
    if (server_) server_->Stop(SIGTERM, std::chrono::seconds(10));
    if (netns_made_) {
      auto cleanup = InNetns(std::string(HOSTLET_SOURCE_DIR) + "/scripts/node-cleanup.sh " +
                             dir_.path().string() + " " + cgroup_root_);
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
  static std::string Phase(const json& pod) {
    return pod.value("status", json::object()).value("phase", "");
  }
  static json ContainerStatus(const json& pod, size_t i = 0) {
    auto statuses = pod.value("status", json::object()).value("containerStatuses", json::array());
    return i < statuses.size() ? statuses[i] : json::object();
  }

  TempDir dir_;
  std::string netns_, cgroup_root_;
  bool netns_made_ = false;
  std::unique_ptr<ChildProcess> server_, agent_;
};

TEST_F(NodeAgent, NodeRegistersWithCapacityAddressesAndALease) {
  json node = json::parse(Kubectl("get node " + std::string(kNode) + " -o json").output);
  EXPECT_EQ(node["metadata"]["labels"]["kubernetes.io/hostname"], kNode);
  EXPECT_EQ(node["metadata"]["labels"]["kubernetes.io/os"], "linux");
  const json& status = node["status"];
  EXPECT_GE(std::stoi(status["capacity"]["cpu"].get<std::string>()), 1);
  EXPECT_THAT(status["capacity"]["memory"].get<std::string>(), ::testing::EndsWith("Ki"));
  EXPECT_EQ(status["allocatable"]["pods"], "110");
  EXPECT_EQ(
      status["nodeInfo"]["containerRuntimeVersion"].get<std::string>().rfind("hostlet-oci://", 0),
      0u);
  EXPECT_THAT(status["nodeInfo"]["kubeletVersion"].get<std::string>(), HasSubstr("v1.32"));
  EXPECT_EQ(status["addresses"][0]["type"], "InternalIP");
  // kubectl's own column shows it Ready.
  EXPECT_THAT(Kubectl("get nodes").output, ::testing::ContainsRegex("e2e-node +Ready"));
  auto lease = json::parse(
      Kubectl("get lease -n kube-node-lease " + std::string(kNode) + " -o json").output);
  EXPECT_EQ(lease["spec"]["holderIdentity"], kNode);
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 40);
  EXPECT_EQ(lease["metadata"]["ownerReferences"][0]["kind"], "Node");
}

TEST_F(NodeAgent, PodServesHttpOnItsBridgeAddressAndDeleteRemovesEverything) {
  ASSERT_EQ(Apply(R"yaml(apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  nodeName: e2e-node
  terminationGracePeriodSeconds: 5
  containers:
  - name: httpd
    image: localhost/busybox:latest
    command: [sh, -c, 'mkdir -p /www && echo hello from $(hostname) > /www/index.html && exec httpd -f -p 8080 -h /www']
)yaml")
                .exit_code,
            0);
  ASSERT_TRUE(PodBecomes("web", [](const json& pod) {
    return Phase(pod) == "Running" && ContainerStatus(pod).value("ready", false);
  }));
  json pod = Pod("web");
  std::string ip = pod["status"]["podIP"];
  EXPECT_THAT(ip, ::testing::StartsWith("10.252.9."));
  EXPECT_EQ(ContainerStatus(pod)["restartCount"], 0);
  EXPECT_THAT(ContainerStatus(pod)["containerID"].get<std::string>(),
              ::testing::StartsWith("hostlet-oci://"));
  EXPECT_THAT(Kubectl("get pod web").output, ::testing::ContainsRegex("web +1/1 +Running +0"));
  CommandResult page;
  EXPECT_TRUE(Eventually(
      [&] {
        page = InNetns("wget -q -T 2 -t 1 -O - http://" + ip + ":8080/");
        return page.exit_code == 0;
      },
      std::chrono::seconds(20)))
      << page.output;
  EXPECT_EQ(page.output, "hello from web");

  // What the pod had on the node: a veth on the bridge, a cgroup, a volume directory.
  std::string uid = pod["metadata"]["uid"];
  EXPECT_THAT(InNetns("ip -o link show master hle2e0").output, HasSubstr("veth"));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "root/pods" / uid));
  EXPECT_EQ(Host("find /sys/fs/cgroup/memory" + cgroup_root_ + " -name pod" + uid + " | grep -q .")
                .exit_code,
            0);

  auto deleted = Kubectl("delete pod web --wait --timeout=60s");
  ASSERT_EQ(deleted.exit_code, 0) << deleted.output << ReadFile(dir_.path() / "agent.log");
  EXPECT_EQ(InNetns("ip -o link show master hle2e0").output, "");
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "root/pods" / uid));
  EXPECT_NE(Host("find /sys/fs/cgroup/memory" + cgroup_root_ + " -name pod" + uid + " | grep -q .")
                .exit_code,
            0);
  EXPECT_NE(Host("grep -q " + uid + " /proc/self/mountinfo").exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "ipam/e2e" / ip));
}

TEST_F(NodeAgent, InitContainersRunInOrderAndContainersGetTheirEnvironmentAndVolumes) {
  ASSERT_EQ(Kubectl("create configmap settings --from-literal=greeting=hello").exit_code, 0);
  ASSERT_EQ(Apply(R"yaml(apiVersion: v1
kind: Pod
metadata: {name: ordered, labels: {app: ordered}}
spec:
  nodeName: e2e-node
  terminationGracePeriodSeconds: 1
  volumes:
  - {name: work, emptyDir: {}}
  - {name: settings, configMap: {name: settings}}
  initContainers:
  - {name: first, image: localhost/busybox:latest, command: [sh, -c, 'echo first >> /work/order'], volumeMounts: [{name: work, mountPath: /work}]}
  - {name: second, image: localhost/busybox:latest, command: [sh, -c, 'sleep 1; echo second >> /work/order'], volumeMounts: [{name: work, mountPath: /work}]}
  containers:
  - name: app
    image: localhost/busybox:latest
    env:
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: settings, key: greeting}}}
    command: [sh, -c]
    args:
    - |
      [ "$(cat /work/order | tr '\n' ' ')" = "first second " ] || { echo wrong order; exit 1; }
      [ "$POD_NAME/$NODE/$GREETING" = "ordered/e2e-node/hello" ] || { echo wrong env; exit 1; }
      [ "$(cat /config/greeting)" = hello ] || { echo no configmap volume; exit 1; }
      exec sleep 3600
    volumeMounts: [{name: work, mountPath: /work}, {name: settings, mountPath: /config}]
)yaml")
                .exit_code,
            0);
  ASSERT_TRUE(PodBecomes("ordered", [](const json& pod) { return Phase(pod) == "Running"; }));
  json pod = Pod("ordered");
  // The app container started once: every check in it passed the first time.
  EXPECT_EQ(ContainerStatus(pod)["restartCount"], 0);
  auto init = pod["status"]["initContainerStatuses"];
  ASSERT_EQ(init.size(), 2u);
  for (const auto& status : init) {
    EXPECT_EQ(status["state"]["terminated"]["exitCode"], 0) << status.dump();
    EXPECT_EQ(status["state"]["terminated"]["reason"], "Completed");
  }
  EXPECT_LE(init[0]["state"]["terminated"]["finishedAt"].get<std::string>(),
            init[1]["state"]["terminated"]["startedAt"].get<std::string>());
}

TEST_F(NodeAgent, CrashingContainerRestartsWithBackOffAndAFinishedPodKeepsItsExitCode) {
  ASSERT_EQ(Apply(R"yaml(apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  nodeName: e2e-node
  terminationGracePeriodSeconds: 1
  containers:
  - {name: app, image: localhost/busybox:latest, command: [sh, -c, 'echo crashing; exit 3']}
---
apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  nodeName: e2e-node
  restartPolicy: Never
  containers:
  - {name: app, image: localhost/busybox:latest, command: [sh, -c, 'exit 7']}
)yaml")
                .exit_code,
            0);
  ASSERT_TRUE(PodBecomes("crasher", [](const json& pod) {
    json status = ContainerStatus(pod);
    return status.value("restartCount", 0) >= 1 &&
           status.value("state", json::object())
                   .value("waiting", json::object())
                   .value("reason", "") == "CrashLoopBackOff";
  }));
  json status = ContainerStatus(Pod("crasher"));
  EXPECT_EQ(status["lastState"]["terminated"]["exitCode"], 3);
  EXPECT_EQ(status["lastState"]["terminated"]["reason"], "Error");
  EXPECT_THAT(status["state"]["waiting"]["message"].get<std::string>(),
              HasSubstr("back-off 10s restarting failed container=app"));
  EXPECT_THAT(Kubectl("get pod crasher").output, HasSubstr("CrashLoopBackOff"));

  ASSERT_TRUE(PodBecomes("once", [](const json& pod) { return Phase(pod) == "Failed"; }));
  json once = Pod("once");
  EXPECT_EQ(ContainerStatus(once)["state"]["terminated"]["exitCode"], 7);
  EXPECT_EQ(ContainerStatus(once)["restartCount"], 0);
  // A finished pod gives its network back: only the crasher's veth is left on the bridge.
  EXPECT_TRUE(Eventually([&] {
    return InNetns("ip -o link show master hle2e0 | wc -l").output == "1";
  })) << InNetns("ip -o link show master hle2e0").output;
}

TEST_F(NodeAgent, BadPodsShowClearReasonsAndDoNotDisturbOthers) {
  ASSERT_EQ(Apply(R"yaml(apiVersion: v1
kind: Pod
metadata: {name: no-image}
spec:
  nodeName: e2e-node
  containers:
  - {name: app, image: localhost:1/nothing/here:v1, command: [sleep, '3600']}
---
apiVersion: v1
kind: Pod
metadata: {name: no-config}
spec:
  nodeName: e2e-node
  containers:
  - name: app
    image: localhost/busybox:latest
    command: [sleep, '3600']
    env: [{name: X, valueFrom: {configMapKeyRef: {name: missing, key: x}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: fine}
spec:
  nodeName: e2e-node
  terminationGracePeriodSeconds: 1
  containers:
  - {name: app, image: localhost/busybox:latest, command: [sleep, '3600']}
)yaml")
                .exit_code,
            0);
  auto waiting_reason = [](const json& pod) {
    return ContainerStatus(pod)
        .value("state", json::object())
        .value("waiting", json::object())
        .value("reason", "");
  };
  EXPECT_TRUE(PodBecomes("no-image", [&](const json& pod) {
    return waiting_reason(pod) == "ErrImagePull" || waiting_reason(pod) == "ImagePullBackOff";
  }));
  EXPECT_TRUE(PodBecomes("no-config", [&](const json& pod) {
    return waiting_reason(pod) == "CreateContainerConfigError";
  }));
  EXPECT_THAT(ContainerStatus(Pod("no-config"))["state"]["waiting"]["message"].get<std::string>(),
              HasSubstr("configmap \"missing\" not found"));
  EXPECT_TRUE(PodBecomes("fine", [](const json& pod) { return Phase(pod) == "Running"; }));
  // The events say it too.
  EXPECT_THAT(Kubectl("get events --field-selector involvedObject.name=no-image").output,
              HasSubstr("Failed to pull image"));
}

TEST_F(NodeAgent, RestartedAgentKeepsItsContainersAndRestartCounts) {
  ASSERT_EQ(Apply(R"yaml(apiVersion: v1
kind: Pod
metadata: {name: steady}
spec:
  nodeName: e2e-node
  terminationGracePeriodSeconds: 1
  containers:
  - {name: app, image: localhost/busybox:latest, command: [sleep, '3600']}
)yaml")
                .exit_code,
            0);
  ASSERT_TRUE(PodBecomes("steady", [](const json& pod) { return Phase(pod) == "Running"; }));
  json before = ContainerStatus(Pod("steady"));
  ASSERT_EQ(agent_->Stop(SIGTERM, std::chrono::seconds(30)), 0)
      << ReadFile(dir_.path() / "agent.log");
  std::filesystem::rename(dir_.path() / "agent.log", dir_.path() / "agent-1.log");
  StartAgent();
  ASSERT_TRUE(Eventually([&] {
    return ReadFile(dir_.path() / "agent.log").find("ready") != std::string::npos;
  })) << ReadFile(dir_.path() / "agent.log");
  // Give the new agent time to sync the pod; nothing may change.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  json after = ContainerStatus(Pod("steady"));
  EXPECT_EQ(after["containerID"], before["containerID"]);
  EXPECT_EQ(after["restartCount"], before["restartCount"]);
  EXPECT_EQ(after["state"]["running"]["startedAt"], before["state"]["running"]["startedAt"]);
  EXPECT_EQ(Phase(Pod("steady")), "Running");
}

TEST_F(NodeAgent, StaticPodRunsAndAppearsAsAMirrorPod) {
  std::ofstream(dir_ / "manifests/static-web.yaml") << R"yaml(apiVersion: v1
kind: Pod
metadata: {name: static-web}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: app, image: localhost/busybox:latest, command: [sleep, '3600']}
)yaml";
  std::string name = std::string("static-web-") + kNode;
  ASSERT_TRUE(PodBecomes(name, [](const json& pod) { return Phase(pod) == "Running"; }));
  json mirror = Pod(name);
  EXPECT_TRUE(mirror["metadata"]["annotations"].contains("kubernetes.io/config.mirror"));
  EXPECT_EQ(mirror["metadata"]["annotations"]["kubernetes.io/config.source"], "file");
  EXPECT_EQ(mirror["spec"]["nodeName"], kNode);
  // Deleting the mirror does not stop the pod: the agent puts the mirror back.
  std::string container = ContainerStatus(mirror)["containerID"];
  ASSERT_EQ(Kubectl("delete pod " + name + " --wait=false").exit_code, 0);
  ASSERT_TRUE(PodBecomes(name, [&](const json& pod) {
    return pod["metadata"]["uid"] != mirror["metadata"]["uid"] &&
           ContainerStatus(pod).value("containerID", "") == container;
  }));
  // Removing the manifest stops the pod and takes the mirror away.
  std::filesystem::remove(dir_.path() / "manifests/static-web.yaml");
  EXPECT_TRUE(Eventually([&] { return Kubectl("get pod " + name).exit_code != 0; },
                         std::chrono::seconds(60)))
      << ReadFile(dir_.path() / "agent.log");
}

}  // namespace
}  // namespace hostlet
