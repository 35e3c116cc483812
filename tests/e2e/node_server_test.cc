// The node agent's server end to end (see node_cluster.h), through hostlet-server as kubectl
// reaches it: `kubectl logs` with its options, and the node proxy's /metrics checked by
// promtool.
#include "tests/e2e/node_cluster.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace hostlet {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::Eventually;
using ::testing::HasSubstr;
using testing::ReadFile;

class NodeServer : public testing::NodeCluster {
 protected:
  // hostlet-server reaches the agent at the node's InternalIP; in the test's namespace that is
  // loopback, where the agent listens by default.
  NodeServer() { agent_flags_ = {"--node-ip", "127.0.0.1"}; }

  ::testing::AssertionResult RunPod(const std::string& name, const std::string& script,
                                    const std::string& restart_policy = "Always") {
    auto applied = Apply("apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
                         "}\nspec:\n  nodeName: e2e-node\n  terminationGracePeriodSeconds: 1\n"
                         "  restartPolicy: " +
                         restart_policy +
                         "\n  containers:\n  - name: main\n    image: localhost/busybox:latest\n"
                         "    command: [sh, -c, '" +
                         script + "']\n");
    if (applied.exit_code != 0) return ::testing::AssertionFailure() << applied.output;
    return PodBecomes(name, [](const json& pod) { return Phase(pod) == "Running"; });
  }

  // kubectl as a process of its own, writing to `output`, for commands that do not end.
  std::unique_ptr<testing::ChildProcess> KubectlInBackground(const std::string& arguments,
                                                             const std::string& output) {
    return std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{"/bin/sh", "-c",
                                 "exec nsenter --net=/run/netns/" + netns_ +
                                     " env -i PATH=/usr/bin:/bin HOME=" + dir_ / "home" +
                                     " KUBECONFIG=" + dir_ / "server/admin.kubeconfig" +
                                     " kubectl --cache-dir " + dir_ / "cache" + " " + arguments},
        output);
  }
};

TEST_F(NodeServer, LogsShowWhatTheContainerPrintedWithTailAndClearErrors) {
  ASSERT_TRUE(RunPod("echo", "echo one; echo two; echo three >&2; exec sleep 3600"));
  CommandResult logs;
  EXPECT_TRUE(Eventually([&] {
    logs = Kubectl("logs echo");
    return logs.exit_code == 0 && logs.output == "one\ntwo\nthree";
  })) << logs.output;
  EXPECT_EQ(Kubectl("logs echo --tail=1").output, "three");
  EXPECT_EQ(Kubectl("logs echo -c main --tail=2").output, "two\nthree");
  EXPECT_EQ(Kubectl("logs echo --limit-bytes=5").output, "one\nt");
  auto stamped = Kubectl("logs echo --timestamps --tail=1");
  EXPECT_THAT(stamped.output, ::testing::MatchesRegex("20[0-9-]+T[0-9:.]+Z three"));

  auto missing = Kubectl("logs echo -c nope");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.output, HasSubstr("container nope is not valid for pod echo"));
  auto no_previous = Kubectl("logs echo --previous");
  EXPECT_NE(no_previous.exit_code, 0);
  EXPECT_THAT(no_previous.output,
              HasSubstr("previous terminated container \"main\" in pod \"echo\" not found"));
  auto no_pod = Kubectl("logs nothing-here");
  EXPECT_NE(no_pod.exit_code, 0);
  EXPECT_THAT(no_pod.output, HasSubstr("pods \"nothing-here\" not found"));
}

TEST_F(NodeServer, FollowStreamsLinesWrittenAfterItStarted) {
  ASSERT_TRUE(RunPod("ticker", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done"));
  CommandResult before;
  ASSERT_TRUE(Eventually([&] {
    before = Kubectl("logs ticker --tail=1");
    return before.output.rfind("tick ", 0) == 0;
  })) << before.output;
  int last_seen = std::stoi(before.output.substr(5));
  std::string file = dir_ / "follow.out";
  auto follow = KubectlInBackground("logs -f ticker", file);
  // A tick numbered past the last one seen before kubectl started can only have come through
  // the stream.
  std::string wanted = "tick " + std::to_string(last_seen + 2) + "\n";
  EXPECT_TRUE(Eventually([&] { return ReadFile(file).find(wanted) != std::string::npos; },
                         std::chrono::seconds(30)))
      << ReadFile(file);
  EXPECT_TRUE(follow->Running()) << ReadFile(file);
  EXPECT_THAT(ReadFile(file), HasSubstr("tick 0\n"));
  follow->Stop(SIGTERM, std::chrono::seconds(10));
}

TEST_F(NodeServer, PreviousShowsTheLogOfTheInstanceBeforeARestart) {
  ASSERT_TRUE(
      RunPod("crashy", "echo instance $(cat /proc/sys/kernel/random/uuid); sleep 2; exit 3"));
  ASSERT_TRUE(PodBecomes(
      "crashy", [](const json& pod) { return ContainerStatus(pod).value("restartCount", 0) >= 1; },
      std::chrono::seconds(90)));
  CommandResult previous, current;
  // A restart between the two reads shifts both; read again until they agree on the instances.
  EXPECT_TRUE(Eventually([&] {
    previous = Kubectl("logs crashy --previous");
    current = Kubectl("logs crashy");
    return previous.exit_code == 0 && current.exit_code == 0 &&
           previous.output.rfind("instance ", 0) == 0 &&
           current.output.rfind("instance ", 0) == 0 && previous.output != current.output;
  })) << previous.output
      << "\n---\n"
      << current.output;
}

TEST_F(NodeServer, NodeProxyServesHealthPodsAndMetricsThatPromtoolAccepts) {
  ASSERT_TRUE(RunPod("idle", "exec sleep 3600"));
  EXPECT_EQ(Kubectl("get --raw /api/v1/nodes/e2e-node/proxy/healthz").output, "ok");
  auto pods = Kubectl("get --raw /api/v1/nodes/e2e-node/proxy/pods");
  ASSERT_EQ(pods.exit_code, 0) << pods.output;
  auto list = json::parse(pods.output);
  ASSERT_EQ(list["items"].size(), 1u) << pods.output;
  EXPECT_EQ(list["items"][0]["metadata"]["name"], "idle");

  std::string file = dir_ / "metrics.txt";
  auto scrape = Host("nsenter --net=/run/netns/" + netns_ +
                     " env -i PATH=/usr/bin:/bin HOME=" + dir_ / "home" +
                     " KUBECONFIG=" + dir_ / "server/admin.kubeconfig" + " kubectl --cache-dir " +
                     dir_ / "cache" + " get --raw /api/v1/nodes/e2e-node/proxy/metrics > " + file);
  ASSERT_EQ(scrape.exit_code, 0) << scrape.output;
  std::string metrics = ReadFile(file);
  auto check = Host("promtool check metrics < " + file);
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_EQ(check.output, "") << check.output;

  std::smatch match;
  ASSERT_TRUE(std::regex_search(metrics, match, std::regex("\nkubelet_running_pods (\\d+)\n")))
      << metrics;
  EXPECT_GE(std::stoi(match[1]), 1);
  EXPECT_THAT(metrics, HasSubstr("kubelet_node_name{node=\"e2e-node\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("kubelet_running_containers{container_state=\"running\"} "));
  EXPECT_THAT(metrics, HasSubstr("kubelet_pod_start_duration_seconds_count 1\n"));
  EXPECT_THAT(metrics,
              ::testing::ContainsRegex(
                  "kubelet_runtime_operations_total\\{operation_type=\"list_containers\"\\} "
                  "[1-9]"));
  EXPECT_THAT(metrics, HasSubstr("kubelet_pleg_relist_duration_seconds_count "));
  EXPECT_THAT(metrics,
              HasSubstr("hostlet_plugin_loads_total{plugin=\"oci\",result=\"success\"} 1\n"));
  EXPECT_THAT(metrics,
              ::testing::ContainsRegex(
                  "hostlet_plugin_calls_total\\{plugin=\"oci\",method=\"RunPodSandbox\"\\} "
                  "1\n"));

  // Usage from the pod's cgroups, through the runtime's stats.
  auto summary_text = Kubectl("get --raw /api/v1/nodes/e2e-node/proxy/stats/summary");
  ASSERT_EQ(summary_text.exit_code, 0) << summary_text.output;
  json summary = json::parse(summary_text.output);
  EXPECT_EQ(summary["node"]["nodeName"], "e2e-node");
  EXPECT_GT(summary["node"]["memory"]["workingSetBytes"].get<std::uint64_t>(), 0u);
  ASSERT_EQ(summary["pods"].size(), 1u) << summary.dump(2);
  const json& pod = summary["pods"][0];
  EXPECT_EQ(pod["podRef"]["name"], "idle");
  EXPECT_GT(pod["memory"]["workingSetBytes"].get<std::uint64_t>(), 0u) << pod.dump(2);
  ASSERT_EQ(pod["containers"].size(), 1u) << pod.dump(2);
  EXPECT_EQ(pod["containers"][0]["name"], "main");
  EXPECT_GT(pod["containers"][0]["cpu"]["usageCoreNanoSeconds"].get<std::uint64_t>(), 0u);
  // Start times as the pod's status tells them, to the second the runtime's clock allows.
  json status = json::parse(Kubectl("get pod idle -o json").output)["status"];
  const auto seconds_of = [](const json& time) {
    std::tm parts{};
    std::istringstream(time.get<std::string>()) >> std::get_time(&parts, "%Y-%m-%dT%H:%M:%SZ");
    return static_cast<long>(timegm(&parts));
  };
  ASSERT_TRUE(pod.contains("startTime")) << pod.dump(2);
  ASSERT_TRUE(pod["containers"][0].contains("startTime")) << pod.dump(2);
  EXPECT_NEAR(seconds_of(pod["startTime"]), seconds_of(status["startTime"]), 5) << pod.dump(2);
  EXPECT_NEAR(seconds_of(pod["containers"][0]["startTime"]),
              seconds_of(status["containerStatuses"][0]["state"]["running"]["startedAt"]), 5)
      << pod.dump(2);

  // A metrics page of the node, through the apiserver's proxy, saved to `file` and linted.
  auto fetch_metrics = [&](const std::string& path, const std::string& file) {
    auto fetched = Host(
        "nsenter --net=/run/netns/" + netns_ + " env -i PATH=/usr/bin:/bin HOME=" + dir_ / "home" +
        " KUBECONFIG=" + dir_ / "server/admin.kubeconfig" + " kubectl --cache-dir " +
        dir_ / "cache" + " get --raw /api/v1/nodes/e2e-node/proxy" + path + " > " + file);
    ASSERT_EQ(fetched.exit_code, 0) << fetched.output;
    auto check = Host("promtool check metrics < " + file);
    EXPECT_EQ(check.exit_code, 0) << check.output;
    EXPECT_EQ(check.output, "") << check.output;
  };
  std::string cadvisor_file = dir_ / "cadvisor.txt";
  fetch_metrics("/metrics/cadvisor", cadvisor_file);
  EXPECT_THAT(ReadFile(cadvisor_file),
              ::testing::ContainsRegex("container_memory_working_set_bytes\\{container=\"main\","
                                       "pod=\"idle\",namespace=\"default\"\\} [1-9]"));
  EXPECT_THAT(ReadFile(cadvisor_file),
              HasSubstr("container_cpu_usage_seconds_total{container=\"main\",pod=\"idle\","
                        "namespace=\"default\"} "));

  // What metrics-server reads for `kubectl top`: usage stamped with the time it was read (ms).
  std::string resource_file = dir_ / "resource.txt";
  fetch_metrics("/metrics/resource", resource_file);
  const std::string resource = ReadFile(resource_file);
  const std::string main_labels = "\\{container=\"main\",pod=\"idle\",namespace=\"default\"\\}";
  EXPECT_THAT(resource,
              ::testing::ContainsRegex("\nnode_cpu_usage_seconds_total [0-9.e+]+ [0-9]{13}\n"));
  EXPECT_THAT(resource, ::testing::ContainsRegex(
                            "\nnode_memory_working_set_bytes [1-9][0-9.e+]* [0-9]{13}\n"));
  EXPECT_THAT(resource, ::testing::ContainsRegex("\ncontainer_cpu_usage_seconds_total" +
                                                 main_labels + " [0-9.e+-]+ [0-9]{13}\n"));
  EXPECT_THAT(resource, ::testing::ContainsRegex("\ncontainer_memory_working_set_bytes" +
                                                 main_labels + " [1-9][0-9.e+]* [0-9]{13}\n"));
  EXPECT_THAT(resource,
              ::testing::ContainsRegex(
                  "\npod_memory_working_set_bytes\\{pod=\"idle\",namespace=\"default\"\\} "
                  "[1-9][0-9.e+]* [0-9]{13}\n"));
  EXPECT_THAT(resource, HasSubstr("\nscrape_error 0\n"));
  EXPECT_THAT(resource, HasSubstr("\nresource_scrape_error 0\n"));
  // The container started within the last hour, by the runtime's clock (the host's).
  std::smatch started;
  ASSERT_TRUE(std::regex_search(
      resource, started,
      std::regex("\ncontainer_start_time_seconds" + main_labels + " ([0-9.e+]+)\n")))
      << resource;
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_GT(std::stod(started[1]), now - 3600);
  EXPECT_LT(std::stod(started[1]), now + 1);

  // The port the node reports is where its server is.
  json node = json::parse(Kubectl("get node e2e-node -o json").output);
  EXPECT_EQ(node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"], 10250);
  // Without the apiserver's certificate the agent answers only its health.
  EXPECT_EQ(InNetns("curl -sk https://127.0.0.1:10250/healthz").output, "ok");
  EXPECT_THAT(InNetns("curl -sk -w ' %{http_code}' https://127.0.0.1:10250/pods").output,
              ::testing::EndsWith(" 401"));

  // A restarted agent adopts the running pod; adopting is not starting, so its pod start
  // histogram stays empty instead of counting a start of about zero seconds.
  ASSERT_EQ(agent_->Stop(SIGTERM, std::chrono::seconds(30)), 0);
  std::filesystem::rename(dir_.path() / "agent.log", dir_.path() / "agent-1.log");
  StartAgent();
  std::string restarted;
  EXPECT_TRUE(Eventually([&] {
    restarted = Kubectl("get --raw /api/v1/nodes/e2e-node/proxy/metrics").output;
    return restarted.find("\nkubelet_running_pods 1\n") != std::string::npos &&
           restarted.find("kubelet_running_containers{container_state=\"running\"} 1\n") !=
               std::string::npos;
  })) << restarted
      << ReadFile(dir_.path() / "agent.log");
  // The adopted pod's status has been reported by now: give a late observation time to show.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  restarted = Kubectl("get --raw /api/v1/nodes/e2e-node/proxy/metrics").output;
  EXPECT_THAT(restarted, HasSubstr("\nkubelet_pod_start_duration_seconds_count 0\n"));
}

// /metrics/probes, as the kubelet serves it: every probe counted by result and timed.
TEST_F(NodeServer, ProbeMetricsCountEveryProbeByResult) {
  ASSERT_EQ(Apply(R"yaml(apiVersion: v1
kind: Pod
metadata: {name: probed}
spec:
  nodeName: e2e-node
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: localhost/busybox:latest
    command: [sleep, '3600']
    readinessProbe: {exec: {command: ['true']}, periodSeconds: 1}
    livenessProbe: {exec: {command: [sh, -c, 'exit 0']}, periodSeconds: 1, failureThreshold: 100}
)yaml")
                .exit_code,
            0);
  ASSERT_TRUE(PodBecomes(
      "probed", [](const json& pod) { return ContainerStatus(pod).value("ready", false); }));
  std::string uid = Pod("probed")["metadata"]["uid"];
  std::string file = dir_ / "probes.txt";
  std::string metrics;
  std::smatch match;
  const std::regex readiness(
      "prober_probe_total\\{probe_type=\"Readiness\",result=\"successful\","
      "container=\"main\",pod=\"probed\",namespace=\"default\",pod_uid=\"" +
      uid + "\"\\} (\\d+)\n");
  EXPECT_TRUE(Eventually([&] {
    auto scrape = Host(
        "nsenter --net=/run/netns/" + netns_ + " env -i PATH=/usr/bin:/bin HOME=" + dir_ / "home" +
        " KUBECONFIG=" + dir_ / "server/admin.kubeconfig" + " kubectl --cache-dir " +
        dir_ / "cache" + " get --raw /api/v1/nodes/e2e-node/proxy/metrics/probes > " + file);
    metrics = ReadFile(file);
    return scrape.exit_code == 0 && std::regex_search(metrics, match, readiness) &&
           std::stoi(match[1]) >= 2;
  })) << metrics;
  EXPECT_THAT(metrics, ::testing::ContainsRegex("prober_probe_total\\{probe_type=\"Liveness\","
                                                "result=\"successful\",container=\"main\""));
  EXPECT_THAT(metrics, ::testing::Not(HasSubstr("result=\"failed\"")));
  EXPECT_THAT(metrics, HasSubstr("prober_probe_duration_seconds_count{probe_type=\"Readiness\","
                                 "container=\"main\",pod=\"probed\",namespace=\"default\"} "));
  auto check = Host("promtool check metrics < " + file);
  EXPECT_EQ(check.exit_code, 0) << check.output;
  // The pod gone, its series go too.
  ASSERT_EQ(Kubectl("delete pod probed --wait --timeout=60s").exit_code, 0);
  EXPECT_TRUE(Eventually([&] {
    return Kubectl("get --raw /api/v1/nodes/e2e-node/proxy/metrics/probes").output.find(uid) ==
           std::string::npos;
  }));
}

// Container logs are rotated as the kubelet rotates them: at containerLogMaxSize, keeping
// containerLogMaxFiles files, while kubectl logs -f goes on across the rotations.
class NodeLogRotation : public NodeServer {
 protected:
  NodeLogRotation() {
    std::ofstream(dir_ / "agent.yaml") << "apiVersion: kubelet.config.k8s.io/v1beta1\n"
                                          "kind: KubeletConfiguration\n"
                                          "containerLogMonitorInterval: 1s\n";
    agent_flags_.insert(agent_flags_.end(),
                        {"--config", dir_ / "agent.yaml", "--container-log-max-size", "4Ki",
                         "--container-log-max-files", "3"});
  }
};

TEST_F(NodeLogRotation, LogsAreRotatedAndFollowingGoesOnAcrossRotations) {
  // About 1.2 KiB a second, each line numbered.
  ASSERT_TRUE(RunPod("chatty",
                     "i=0; while true; do i=$((i+1)); echo line $i "
                     "0123456789012345678901234567890123456789012345678901234567890123456789; "
                     "sleep 0.05; done"));
  std::string followed = dir_ / "followed.txt";
  auto follower = KubectlInBackground("logs -f chatty", followed);
  // Rotations happen every few seconds; wait for more than the files kept.
  std::string pod_logs = dir_ / "pod-logs";
  // The rotated files' paths.
  auto rotated = [&] {
    std::vector<std::string> paths;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(pod_logs)) {
      std::string name = entry.path().filename().string();
      // A compression in progress writes <name>.gz.tmp, renamed to <name>.gz when complete.
      if (entry.is_regular_file() && name.find(".log.") != std::string::npos &&
          !name.ends_with(".tmp")) {
        paths.push_back(entry.path().string());
      }
    }
    return paths;
  };
  std::set<std::string> seen;
  EXPECT_TRUE(Eventually(
      [&] {
        for (const auto& path : rotated()) seen.insert(path);
        return seen.size() >= 4;
      },
      std::chrono::seconds(60)))
      << seen.size() << " rotated files seen\n"
      << ReadFile(dir_.path() / "agent.log");
  // No more than containerLogMaxFiles - 1 rotated files beside the current one, the older of the
  // two gzipped: CRI log lines inside. A rotation renames the current file before the oldest is
  // removed, and a compressed file may be pruned while it is read, so the check is repeated until
  // a moment between rotations.
  std::vector<std::string> now_rotated;
  std::string gzipped;
  std::string first_line;
  EXPECT_TRUE(Eventually(
      [&] {
        now_rotated = rotated();
        gzipped.clear();
        for (const auto& path : now_rotated) {
          if (path.ends_with(".gz")) gzipped = path;
        }
        if (now_rotated.size() > 2 || gzipped.empty()) return false;
        first_line = Host("zcat " + gzipped + " | head -1").output;
        return std::regex_search(first_line,
                                 std::regex("^20[0-9-]+T[0-9:.]+Z stdout F line [0-9]+ "));
      },
      std::chrono::seconds(30)))
      << ::testing::PrintToString(now_rotated) << " first line of " << gzipped << ": "
      << first_line;
  // kubectl logs shows the current file: numbered lines, none before the last rotation.
  auto now = Kubectl("logs chatty");
  ASSERT_EQ(now.exit_code, 0) << now.output;
  EXPECT_THAT(now.output, ::testing::StartsWith("line "));
  EXPECT_THAT(now.output, ::testing::Not(HasSubstr("line 1 ")));
  // The follower saw every line, in order, with no gap across the rotations.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  follower.reset();
  std::istringstream lines(ReadFile(followed));
  int expected = 1;
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    ASSERT_EQ(line.rfind("line " + std::to_string(expected) + " ", 0), 0u)
        << "after line " << expected - 1 << ": " << line;
    ++expected;
  }
  EXPECT_GT(expected, 100) << "the follower saw only " << expected - 1 << " lines";
}

}  // namespace
}  // namespace hostlet
