// The node end to end (see node_cluster.h): pods run, restart, fail clearly and are torn down;
// the node registers; static pods get mirrors; a restarted agent keeps its containers.
#include "tests/e2e/node_cluster.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hostlet {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::Eventually;
using ::testing::HasSubstr;
using testing::kNode;
using testing::ReadFile;

// Every test runs with the OCI module on runc (as `make up` runs it) and on hostlet-runtime.
class NodeAgent : public testing::NodeCluster, public ::testing::WithParamInterface<std::string> {
 protected:
  NodeAgent() { oci_runtime_ = GetParam(); }
};

TEST_P(NodeAgent, NodeRegistersWithCapacityAddressesAndALease) {
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

TEST_P(NodeAgent, PodServesHttpOnItsBridgeAddressAndDeleteRemovesEverything) {
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

TEST_P(NodeAgent, InitContainersRunInOrderAndContainersGetTheirEnvironmentAndVolumes) {
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

TEST_P(NodeAgent, CrashingContainerRestartsWithBackOffAndAFinishedPodKeepsItsExitCode) {
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
    return ContainerStatus(pod).value("restartCount", 0) >= 1 &&
           WaitingReason(pod) == "CrashLoopBackOff";
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

TEST_P(NodeAgent, BadPodsShowClearReasonsAndDoNotDisturbOthers) {
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
  EXPECT_TRUE(PodBecomes("no-image", [](const json& pod) {
    return WaitingReason(pod) == "ErrImagePull" || WaitingReason(pod) == "ImagePullBackOff";
  }));
  EXPECT_TRUE(PodBecomes("no-config", [](const json& pod) {
    return WaitingReason(pod) == "CreateContainerConfigError";
  }));
  EXPECT_THAT(ContainerStatus(Pod("no-config"))["state"]["waiting"]["message"].get<std::string>(),
              HasSubstr("configmap \"missing\" not found"));
  EXPECT_TRUE(PodBecomes("fine", [](const json& pod) { return Phase(pod) == "Running"; }));
  // The events say it too (posted by the agent beside the status, not before it).
  EXPECT_TRUE(EventsSay("no-image", "Failed to pull image"));
  // `:latest` is pulled again at each start (policy Always); with no registry at localhost the
  // image the node has runs, and an event says so.
  EXPECT_TRUE(EventsSay("fine", "Container image \"localhost/busybox:latest\" already present"));
}

// A registry on loopback inside the node's network namespace that takes connections and never
// answers, so that a pull from it lasts until the test lets go of it (closing every connection).
class StalledRegistry {
 public:
  explicit StalledRegistry(const std::string& netns) {
    // The socket belongs to the namespace it was made in; the thread that enters it ends there.
    std::thread([&] {
      int ns = open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
      if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) return;
      close(ns);
      listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    }).join();
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        listen(listener_, 16) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot listen in the node's network namespace");
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] {
      for (;;) {
        int connection = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (connection < 0) return;  // the listener was shut down
        std::lock_guard lock(mutex_);
        connections_.push_back(connection);
      }
    });
  }
  ~StalledRegistry() { LetGo(); }
  int port() const { return port_; }
  std::size_t Connections() {
    std::lock_guard lock(mutex_);
    return connections_.size();
  }
  // Refuses and drops every connection from now on: a pull in progress fails at once.
  void LetGo() {
    if (listener_ < 0) return;
    shutdown(listener_, SHUT_RDWR);
    if (acceptor_.joinable()) acceptor_.join();
    close(listener_);
    listener_ = -1;
    std::lock_guard lock(mutex_);
    for (int connection : connections_) close(connection);
    connections_.clear();
  }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<int> connections_;
};

TEST_P(NodeAgent, PodWaitingForItsImagePullShowsContainerCreating) {
  StalledRegistry registry(netns_);
  const std::string image = "127.0.0.1:" + std::to_string(registry.port()) + "/slow/app:v1";
  ASSERT_EQ(Apply(R"yaml(apiVersion: v1
kind: Pod
metadata: {name: slow-pull}
spec:
  nodeName: e2e-node
  terminationGracePeriodSeconds: 1
  containers:
  - {name: app, image: )yaml" +
                  image + R"yaml(, command: [sleep, '3600']}
)yaml")
                .exit_code,
            0);
  // While the pull hangs, the status already says what the pod is waiting for, as upstream.
  EXPECT_TRUE(PodBecomes("slow-pull", [](const json& pod) {
    return Phase(pod) == "Pending" && pod["status"].contains("startTime") &&
           WaitingReason(pod) == "ContainerCreating";
  }));
  EXPECT_TRUE(Eventually([&] { return registry.Connections() >= 1; }))
      << "the pull never reached the registry";
  EXPECT_TRUE(EventsSay("slow-pull", "Pulling image \"" + image + "\""));
  // The pull fails once the registry goes: the status moves on to say so.
  registry.LetGo();
  EXPECT_TRUE(PodBecomes("slow-pull", [](const json& pod) {
    return WaitingReason(pod) == "ErrImagePull" || WaitingReason(pod) == "ImagePullBackOff";
  }));
}

TEST_P(NodeAgent, FailingLivenessProbeRestartsTheContainer) {
  // Healthy for a few seconds, then the probe's file goes away and stays away until a restart.
  ASSERT_EQ(Apply(R"yaml(apiVersion: v1
kind: Pod
metadata: {name: sickly}
spec:
  nodeName: e2e-node
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: localhost/busybox:latest
    command: [sh, -c, 'touch /tmp/healthy; sleep 3; rm -f /tmp/healthy; sleep 3600']
    livenessProbe:
      exec: {command: [cat, /tmp/healthy]}
      periodSeconds: 1
      failureThreshold: 2
)yaml")
                .exit_code,
            0);
  EXPECT_TRUE(PodBecomes(
      "sickly", [](const json& pod) { return ContainerStatus(pod).value("restartCount", 0) >= 1; },
      std::chrono::seconds(90)));
  json status = ContainerStatus(Pod("sickly"));
  EXPECT_EQ(status["lastState"]["terminated"]["exitCode"], 137)
      << "sh as PID 1 ignores SIGTERM, so the kill comes after the probe's grace period";
  EXPECT_TRUE(EventsSay("sickly", "Liveness probe failed: cat: can't open '/tmp/healthy'"));
  EXPECT_TRUE(EventsSay("sickly", "Container app failed liveness probe, will be restarted"));
  // Repeats are counted on one Event, not posted again and again.
  json unhealthy = json::array();
  for (const auto& event :
       json::parse(Kubectl("get events --field-selector involvedObject.name=sickly -o json").output)
           .value("items", json::array())) {
    if (event.value("reason", "") == "Unhealthy") unhealthy.push_back(event);
  }
  ASSERT_EQ(unhealthy.size(), 1u) << unhealthy.dump(2);
  EXPECT_GE(unhealthy[0].value("count", 0), 2);
}

TEST_P(NodeAgent, ReadinessProbeGatesTheReadyCondition) {
  // httpd serves from the start, but the page the readiness probe asks for comes 6 s later;
  // a startup probe on the port (tcpSocket) has to pass before readiness is even asked.
  ASSERT_EQ(Apply(R"yaml(apiVersion: v1
kind: Pod
metadata: {name: warming}
spec:
  nodeName: e2e-node
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: localhost/busybox:latest
    command: [sh, -c, 'mkdir -p /www; (sleep 6; echo ok > /www/ready.html) & exec httpd -f -p 8080 -h /www']
    ports: [{name: http, containerPort: 8080}]
    startupProbe:
      tcpSocket: {port: http}
      periodSeconds: 1
    readinessProbe:
      httpGet: {path: /ready.html, port: 8080}
      periodSeconds: 1
)yaml")
                .exit_code,
            0);
  auto ready = [](const json& pod) {
    for (const auto& condition : pod["status"].value("conditions", json::array())) {
      if (condition["type"] == "Ready") return condition["status"] == "True";
    }
    return false;
  };
  ASSERT_TRUE(PodBecomes("warming", [](const json& pod) {
    return Phase(pod) == "Running" && ContainerStatus(pod).value("started", false);
  }));
  json early = Pod("warming");
  EXPECT_FALSE(ready(early)) << early.dump(2);
  EXPECT_FALSE(ContainerStatus(early).value("ready", true));
  EXPECT_TRUE(PodBecomes("warming", ready, std::chrono::seconds(30)));
  EXPECT_TRUE(ContainerStatus(Pod("warming")).value("ready", false));
  EXPECT_TRUE(
      EventsSay("warming", "Readiness probe failed: HTTP probe failed with statuscode: 404"));
  EXPECT_EQ(
      Kubectl("get pod warming --no-headers -o custom-columns=R:.status.containerStatuses[0].ready")
          .output,
      "true");
}

TEST_P(NodeAgent, PreStopHookRunsBeforeTheContainerStops) {
  std::filesystem::create_directories(dir_.path() / "hooks");
  ASSERT_EQ(Apply(R"yaml(apiVersion: v1
kind: Pod
metadata: {name: polite}
spec:
  nodeName: e2e-node
  terminationGracePeriodSeconds: 5
  volumes:
  - name: hooks
    hostPath: {path: )yaml" +
                  (dir_ / "hooks") +
                  R"yaml(, type: Directory}
  containers:
  - name: app
    image: localhost/busybox:latest
    command: [sleep, '3600']
    volumeMounts: [{name: hooks, mountPath: /hooks}]
    lifecycle:
      postStart:
        exec: {command: [sh, -c, 'echo started > /hooks/post-start']}
      preStop:
        exec: {command: [sh, -c, 'echo stopping > /hooks/pre-stop']}
)yaml")
                .exit_code,
            0);
  ASSERT_TRUE(PodBecomes("polite", [](const json& pod) { return Phase(pod) == "Running"; }));
  EXPECT_EQ(ReadFile(dir_.path() / "hooks/post-start"), "started\n");
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "hooks/pre-stop"));
  auto deleted = Kubectl("delete pod polite --wait --timeout=60s");
  EXPECT_EQ(deleted.exit_code, 0) << deleted.output;
  EXPECT_EQ(ReadFile(dir_.path() / "hooks/pre-stop"), "stopping\n");
}

TEST_P(NodeAgent, InvalidProbesAreRefusedOrExplained) {
  // The apiserver refuses a probe without a handler, naming the field.
  auto refused = Apply(R"yaml(apiVersion: v1
kind: Pod
metadata: {name: no-handler}
spec:
  nodeName: e2e-node
  containers:
  - name: app
    image: localhost/busybox:latest
    command: [sleep, '3600']
    readinessProbe: {periodSeconds: 1}
)yaml");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.output, HasSubstr("readinessProbe"));
  // A named port the container does not declare passes the apiserver (as upstream) and the
  // agent says why it will not start the container.
  ASSERT_EQ(Apply(R"yaml(apiVersion: v1
kind: Pod
metadata: {name: bad-port}
spec:
  nodeName: e2e-node
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: localhost/busybox:latest
    command: [sleep, '3600']
    livenessProbe:
      httpGet: {port: admin}
)yaml")
                .exit_code,
            0);
  EXPECT_TRUE(PodBecomes("bad-port", [](const json& pod) {
    return WaitingReason(pod) == "CreateContainerConfigError";
  }));
  EXPECT_THAT(ContainerStatus(Pod("bad-port"))["state"]["waiting"]["message"].get<std::string>(),
              HasSubstr("invalid livenessProbe: httpGet.port: unknown port name \"admin\""));
}

TEST_P(NodeAgent, ImpossibleResourceRequestsGetAClearReason) {
  // Bound by hand, past the scheduler: the agent's admission rejects it.
  ASSERT_EQ(Apply(R"yaml(apiVersion: v1
kind: Pod
metadata: {name: greedy}
spec:
  nodeName: e2e-node
  containers:
  - name: app
    image: localhost/busybox:latest
    command: [sleep, '3600']
    resources: {requests: {cpu: '1000'}}
---
apiVersion: v1
kind: Pod
metadata: {name: greedy-scheduled}
spec:
  containers:
  - name: app
    image: localhost/busybox:latest
    command: [sleep, '3600']
    resources: {requests: {memory: 100Ti}}
---
apiVersion: v1
kind: Pod
metadata: {name: modest}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: app, image: localhost/busybox:latest, command: [sleep, '3600'], resources: {requests: {cpu: 10m}}}
)yaml")
                .exit_code,
            0);
  ASSERT_TRUE(PodBecomes("greedy", [](const json& pod) { return Phase(pod) == "Failed"; }));
  json greedy = Pod("greedy");
  EXPECT_EQ(greedy["status"]["reason"], "OutOfcpu");
  EXPECT_THAT(greedy["status"]["message"].get<std::string>(),
              HasSubstr("Pod was rejected: Node didn't have enough resource: cpu, requested: "
                        "1000000m"));
  EXPECT_EQ(ContainerStatus(greedy), json::object()) << "a rejected pod never starts anything";
  // Through the scheduler it is never bound, and the event says why.
  EXPECT_TRUE(Eventually([&] {
    return Kubectl("get events --field-selector involvedObject.name=greedy-scheduled")
               .output.find("Insufficient memory") != std::string::npos;
  })) << Kubectl("get events").output;
  EXPECT_EQ(Phase(Pod("greedy-scheduled")), "Pending");
  EXPECT_TRUE(PodBecomes("modest", [](const json& pod) { return Phase(pod) == "Running"; }));
  EXPECT_TRUE(EventsSay("greedy", "OutOfcpu"));
}

TEST_P(NodeAgent, RestartedAgentKeepsItsContainersAndRestartCounts) {
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

TEST_P(NodeAgent, StaticPodRunsAndAppearsAsAMirrorPod) {
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

INSTANTIATE_TEST_SUITE_P(Runtimes, NodeAgent, ::testing::Values("runc", HOSTLET_NATIVE_RUNTIME),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param == "runc" ? std::string("runc") : std::string("hostlet_runtime");
                         });

class StandaloneNodeAgent : public testing::NodeCluster {
 protected:
  StandaloneNodeAgent() { standalone_ = true; }
};

TEST_F(StandaloneNodeAgent, RunsStaticPodsWithoutAnApiserver) {
  std::filesystem::create_directories(dir_.path() / "out");
  std::ofstream(dir_ / "manifests/alone.yaml") << R"yaml(apiVersion: v1
kind: Pod
metadata: {name: alone}
spec:
  terminationGracePeriodSeconds: 1
  volumes:
  - {name: out, hostPath: {path: )yaml" + (dir_ / "out") +
                                                      R"yaml(}}
  containers:
  - name: app
    image: localhost/busybox:latest
    command: [sh, -c, 'hostname > /out/ran; sleep 3600']
    volumeMounts: [{name: out, mountPath: /out}]
)yaml";
  ASSERT_TRUE(Eventually([&] { return std::filesystem::exists(dir_.path() / "out/ran"); },
                         std::chrono::seconds(60)))
      << ReadFile(dir_.path() / "agent.log");
  EXPECT_EQ(ReadFile(dir_.path() / "out/ran"), "alone-" + std::string(kNode) + "\n");
  // Removing the manifest removes the pod.
  std::filesystem::remove(dir_.path() / "manifests/alone.yaml");
  EXPECT_TRUE(Eventually([&] { return std::filesystem::is_empty(dir_.path() / "root/pods"); },
                         std::chrono::seconds(30)))
      << ReadFile(dir_.path() / "agent.log");
  EXPECT_TRUE(agent_->Running());
}

}  // namespace
}  // namespace hostlet
