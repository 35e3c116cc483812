// hostlet-server's built-in scheduler as users meet it: 100 nodes and 1,000 pods created with
// kubectl, every placement checked against every constraint the pod carries (here, by the test's
// own reading of the objects, not the scheduler's code), and the pods that cannot fit explained
// by FailedScheduling events; then a pod that waits for a node that does not exist yet.
#include "tests/support/hostlet_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace hostlet::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr int kNodes = 100;
constexpr int kPods = 1000;
constexpr long long kMi = 1024 * 1024;

struct NodeModel {
  std::string name;
  long long milli_cpu;
  long long memory;
  int pods;
  int gpus;
  std::map<std::string, std::string> labels;
  bool ready;
  bool cordoned;
  std::string taint;  // "gpu" (NoSchedule), "dedicated" (NoExecute) or ""
};

struct PodModel {
  std::string name;
  long long milli_cpu = 0;
  long long memory = 0;
  int gpus = 0;
  std::map<std::string, std::string> selector;
  std::set<std::string> zones;  // required: zone In these (empty: no such requirement)
  int cores_above = -1;         // required: cores Gt this
  std::string or_node;          // a second affinity term: metadata.name In [or_node]
  bool tolerates_gpu = false;
  bool tolerates_dedicated = false;
  bool tolerates_all = false;
  int host_port = 0;
};

PodModel Simple(const std::string& name, long long milli_cpu, long long memory, int gpus = 0) {
  PodModel pod;
  pod.name = name;
  pod.milli_cpu = milli_cpu;
  pod.memory = memory;
  pod.gpus = gpus;
  return pod;
}

NodeModel MakeNodeModel(int i) {
  static const long long kCores[] = {2, 4, 8, 16};
  static const long long kMemoryGi[] = {4, 8, 16, 32};
  NodeModel node{"node-" + std::to_string(i),
                 kCores[i % 4] * 1000,
                 kMemoryGi[(i / 4) % 4] * 1024 * kMi,
                 i % 8 == 7 ? 10 : 110,
                 i % 10 == 0 ? 4 : 0,
                 {{"zone", "z" + std::to_string((i / 2) % 4)},
                  {"disk", i % 3 == 0 ? "ssd" : "hdd"},
                  {"cores", std::to_string(kCores[i % 4])},
                  {"kubernetes.io/hostname", "node-" + std::to_string(i)}},
                 i % 33 != 2,
                 i % 25 == 1,
                 i % 10 == 0 ? "gpu" : (i % 20 == 5 ? "dedicated" : "")};
  return node;
}

json NodeObject(const NodeModel& model) {
  json allocatable = {{"cpu", std::to_string(model.milli_cpu) + "m"},
                      {"memory", std::to_string(model.memory)},
                      {"pods", std::to_string(model.pods)}};
  if (model.gpus > 0) allocatable["nvidia.com/gpu"] = std::to_string(model.gpus);
  json node = {
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata", {{"name", model.name}, {"labels", model.labels}}},
      {"spec", json::object()},
      {"status",
       {{"capacity", allocatable},
        {"allocatable", allocatable},
        {"conditions", {{{"type", "Ready"}, {"status", model.ready ? "True" : "False"}}}}}}};
  if (model.cordoned) node["spec"]["unschedulable"] = true;
  if (model.taint == "gpu") {
    node["spec"]["taints"] = {{{"key", "gpu"}, {"value", "true"}, {"effect", "NoSchedule"}}};
  } else if (model.taint == "dedicated") {
    node["spec"]["taints"] = {{{"key", "dedicated"}, {"value", "infra"}, {"effect", "NoExecute"}}};
  }
  return node;
}

PodModel MakePodModel(int i) {
  PodModel pod;
  pod.name = "pod-" + std::to_string(i);
  pod.milli_cpu = 100 + (i % 5) * 100;
  pod.memory = (64 * kMi) << (i % 4);
  if (i % 5 == 0) pod.selector["disk"] = "ssd";
  if (i % 7 == 0) pod.zones = {"z1", "z2"};
  if (i % 11 == 0) pod.cores_above = 4;
  if (i % 17 == 0 && (i % 7 == 0 || i % 11 == 0)) pod.or_node = "node-7";
  if (i % 50 == 3) {
    pod.gpus = 1;
    pod.tolerates_gpu = true;
  }
  if (i % 9 == 4) pod.tolerates_dedicated = true;
  if (i % 100 == 99) pod.tolerates_all = true;
  if (i % 13 == 0 && i % 5 != 0 && i % 7 != 0 && i % 11 != 0) pod.host_port = 8080;
  return pod;
}

json PodObject(const PodModel& model) {
  json requests = {{"cpu", std::to_string(model.milli_cpu) + "m"},
                   {"memory", std::to_string(model.memory)}};
  json container = {{"name", "main"}, {"image", "busybox:1.36"}};
  if (model.gpus > 0) {
    requests["nvidia.com/gpu"] = std::to_string(model.gpus);
    container["resources"]["limits"] = {{"nvidia.com/gpu", std::to_string(model.gpus)}};
  }
  container["resources"]["requests"] = requests;
  if (model.host_port > 0) {
    container["ports"] = {{{"containerPort", 80}, {"hostPort", model.host_port}}};
  }
  json spec = {{"containers", {container}}};
  if (!model.selector.empty()) spec["nodeSelector"] = model.selector;
  json expressions = json::array();
  if (!model.zones.empty()) {
    expressions.push_back({{"key", "zone"}, {"operator", "In"}, {"values", model.zones}});
  }
  if (model.cores_above >= 0) {
    expressions.push_back(
        {{"key", "cores"}, {"operator", "Gt"}, {"values", {std::to_string(model.cores_above)}}});
  }
  if (!expressions.empty()) {
    json terms = {{{"matchExpressions", expressions}}};
    if (!model.or_node.empty()) {
      terms.push_back(
          {{"matchFields",
            {{{"key", "metadata.name"}, {"operator", "In"}, {"values", {model.or_node}}}}}});
    }
    spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = {
        {"nodeSelectorTerms", terms}};
  }
  json tolerations = json::array();
  if (model.tolerates_gpu) {
    tolerations.push_back({{"key", "gpu"}, {"operator", "Exists"}, {"effect", "NoSchedule"}});
  }
  if (model.tolerates_dedicated) {
    tolerations.push_back(
        {{"key", "dedicated"}, {"operator", "Equal"}, {"value", "infra"}, {"effect", "NoExecute"}});
  }
  if (model.tolerates_all) tolerations.push_back({{"operator", "Exists"}});
  if (!tolerations.empty()) spec["tolerations"] = tolerations;
  return {
      {"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", model.name}}}, {"spec", spec}};
}

// Why `pod` may not run on `node`, by the test's own reading; "" when it may.
std::string Violation(const PodModel& pod, const NodeModel& node) {
  if (!node.ready) return "node not ready";
  if (node.cordoned && !pod.tolerates_all) return "node cordoned";
  if (node.taint == "gpu" && !pod.tolerates_gpu && !pod.tolerates_all) return "gpu taint";
  if (node.taint == "dedicated" && !pod.tolerates_dedicated && !pod.tolerates_all) {
    return "dedicated taint";
  }
  for (const auto& [key, value] : pod.selector) {
    auto label = node.labels.find(key);
    if (label == node.labels.end() || label->second != value) return "nodeSelector " + key;
  }
  bool first_term = (pod.zones.empty() || pod.zones.count(node.labels.at("zone")) > 0) &&
                    (pod.cores_above < 0 || std::stoi(node.labels.at("cores")) > pod.cores_above);
  if (!first_term && node.name != pod.or_node) return "node affinity";
  return "";
}

class PlacementTest : public ServerTest {
 protected:
  json GetJson(const std::string& what) {
    auto result = Kubectl("get " + what + " -o json");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return json::parse(result.output, nullptr, false);
  }
  // One YAML stream of JSON documents, so kubectl creates (and validates) each on its own.
  void Create(const std::string& file, const std::vector<json>& objects) {
    std::string stream;
    for (const auto& object : objects) stream += "---\n" + object.dump() + "\n";
    auto result = Kubectl("create -f " + File(file, stream));
    ASSERT_EQ(result.exit_code, 0) << result.output.substr(0, 2000);
  }
  // pod name -> node name ("" while pending).
  std::map<std::string, std::string> Placements() {
    std::map<std::string, std::string> placements;
    json pods = GetJson("pods");
    if (!pods.is_object()) return placements;
    for (const auto& pod : pods["items"]) {
      placements[pod["metadata"]["name"]] = pod["spec"].value("nodeName", "");
    }
    return placements;
  }
  // pod name -> the FailedScheduling messages about it.
  std::map<std::string, std::vector<std::string>> FailedScheduling() {
    std::map<std::string, std::vector<std::string>> messages;
    json events = GetJson("events");
    if (!events.is_object()) return messages;
    for (const auto& event : events["items"]) {
      if (event.value("reason", "") != "FailedScheduling") continue;
      EXPECT_EQ(event.value("type", ""), "Warning");
      EXPECT_EQ(event["source"].value("component", ""), "default-scheduler");
      messages[event["involvedObject"]["name"]].push_back(event.value("message", ""));
    }
    return messages;
  }
};

TEST_F(PlacementTest, AThousandPodsOnAHundredNodesRespectEveryConstraint) {
  std::vector<NodeModel> nodes;
  std::map<std::string, const NodeModel*> node_by_name;
  std::vector<json> node_objects;
  for (int i = 0; i < kNodes; ++i) nodes.push_back(MakeNodeModel(i));
  for (const auto& node : nodes) {
    node_by_name[node.name] = &node;
    node_objects.push_back(NodeObject(node));
  }
  // Pods that cannot fit on purpose, each for its own reason.
  std::vector<PodModel> pods;
  PodModel nowhere = Simple("stuck-selector", 0, 0);
  nowhere.selector["zone"] = "nowhere";
  PodModel huge = Simple("stuck-cpu", 64000, 64 * kMi);
  PodModel untolerated = Simple("stuck-gpu", 100, 64 * kMi, 1);
  PodModel port_a = Simple("port-a", 100, 64 * kMi);
  port_a.selector["kubernetes.io/hostname"] = "node-3";
  port_a.host_port = 7000;
  PodModel port_b = port_a;
  port_b.name = "port-b";
  for (int i = 0; i < kPods - 5; ++i) pods.push_back(MakePodModel(i));
  std::set<std::string> stuck = {"stuck-selector", "stuck-cpu", "stuck-gpu"};
  for (const auto& pod : {nowhere, huge, untolerated, port_a, port_b}) pods.push_back(pod);
  std::map<std::string, const PodModel*> pod_by_name;
  std::vector<json> pod_objects;
  for (const auto& pod : pods) {
    pod_by_name[pod.name] = &pod;
    pod_objects.push_back(PodObject(pod));
  }

  ASSERT_NO_FATAL_FAILURE(Create("nodes.json", node_objects));
  auto start = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(Create("pods.json", pod_objects));

  // Everything but the three stuck pods and one of the two port pods gets bound.
  std::map<std::string, std::string> placements;
  auto bound_count = [&] {
    int bound = 0;
    for (const auto& [name, node] : placements) bound += !node.empty();
    return bound;
  };
  ASSERT_TRUE(Eventually([&] {
    placements = Placements();
    return bound_count() == kPods - 4;
  })) << bound_count()
      << " of " << kPods - 4 << " bound";
  std::printf("[   INFO   ] %d pods bound %.2f s after their creation began\n", bound_count(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());

  struct Usage {
    long long milli_cpu = 0, memory = 0;
    int gpus = 0, pods = 0;
    std::set<int> ports;
  };
  std::map<std::string, Usage> usage;
  for (const auto& [name, node_name] : placements) {
    const PodModel& pod = *pod_by_name.at(name);
    if (node_name.empty()) {
      EXPECT_TRUE(stuck.count(name) || name.starts_with("port-")) << name << " was not placed";
      continue;
    }
    EXPECT_EQ(stuck.count(name), 0u) << name << " should not fit anywhere, went to " << node_name;
    ASSERT_TRUE(node_by_name.count(node_name)) << name << " bound to unknown " << node_name;
    const NodeModel& node = *node_by_name.at(node_name);
    EXPECT_EQ(Violation(pod, node), "") << name << " on " << node_name;
    Usage& used = usage[node_name];
    used.milli_cpu += pod.milli_cpu;
    used.memory += pod.memory;
    used.gpus += pod.gpus;
    used.pods += 1;
    if (pod.host_port > 0) {
      EXPECT_TRUE(used.ports.insert(pod.host_port).second)
          << "host port " << pod.host_port << " twice on " << node_name;
    }
  }
  for (const auto& [name, used] : usage) {
    const NodeModel& node = *node_by_name.at(name);
    EXPECT_LE(used.milli_cpu, node.milli_cpu) << name;
    EXPECT_LE(used.memory, node.memory) << name;
    EXPECT_LE(used.gpus, node.gpus) << name;
    EXPECT_LE(used.pods, node.pods) << name;
  }
  EXPECT_NE(placements["port-a"].empty(), placements["port-b"].empty());
  std::string port_loser = placements["port-a"].empty() ? "port-a" : "port-b";

  // The reasons, counted per node and sorted as kube-scheduler sorts them. 3 nodes are not
  // ready, 4 cordoned, 10 carry the gpu taint and 5 the dedicated one; the other 78 are where
  // the pod's own demand fails.
  std::map<std::string, std::vector<std::string>> failed;
  ASSERT_TRUE(Eventually([&] {
    failed = FailedScheduling();
    return failed.count("stuck-selector") && failed.count("stuck-cpu") &&
           failed.count("stuck-gpu") && failed.count(port_loser);
  }));
  EXPECT_EQ(failed["stuck-selector"].front(),
            "0/100 nodes are available: 10 node(s) had untolerated taint {gpu: true}, 3 node(s) "
            "were not ready, 4 node(s) were unschedulable, 5 node(s) had untolerated taint "
            "{dedicated: infra}, 78 node(s) didn't match Pod's node affinity/selector.");
  EXPECT_THAT(failed["stuck-cpu"].front(), HasSubstr(", 78 Insufficient cpu."));
  EXPECT_THAT(failed["stuck-gpu"].front(), HasSubstr("78 Insufficient nvidia.com/gpu"));
  EXPECT_THAT(failed["stuck-gpu"].front(),
              HasSubstr("10 node(s) had untolerated taint {gpu: true}"));
  EXPECT_THAT(failed[port_loser].front(),
              HasSubstr(": 1 node(s) didn't have free ports for the requested pod ports, "));
  for (const auto& [name, messages] : failed) {
    EXPECT_TRUE(stuck.count(name) || name == port_loser) << name << ": " << messages.front();
  }
}

TEST_F(PlacementTest, APendingPodIsPlacedWhenANodeThatFitsArrives) {
  ASSERT_NO_FATAL_FAILURE(Create("first.json", {NodeObject(MakeNodeModel(3))}));
  PodModel waiting = Simple("waiting", 100, 64 * kMi);
  waiting.selector["pool"] = "late";
  ASSERT_NO_FATAL_FAILURE(Create("pod.json", {PodObject(waiting)}));
  std::map<std::string, std::vector<std::string>> failed;
  ASSERT_TRUE(Eventually([&] {
    failed = FailedScheduling();
    return failed.count("waiting") > 0;
  }));
  EXPECT_EQ(failed["waiting"].front(),
            "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.");
  EXPECT_EQ(Placements()["waiting"], "");

  NodeModel late = MakeNodeModel(3);
  late.name = "late";
  late.labels["pool"] = "late";
  ASSERT_NO_FATAL_FAILURE(Create("late.json", {NodeObject(late)}));
  EXPECT_TRUE(Eventually([&] { return Placements()["waiting"] == "late"; }));
  auto events = GetJson("events");
  bool scheduled = false;
  for (const auto& event : events["items"]) {
    scheduled |= event.value("reason", "") == "Scheduled" &&
                 event.value("message", "") == "Successfully assigned default/waiting to late";
  }
  EXPECT_TRUE(scheduled);
}

}  // namespace
}  // namespace hostlet::testing
