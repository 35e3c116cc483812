// Each filter on its own, with the reason kube-scheduler would give.
#include "controlplane/scheduler/filters.h"
#include "tests/controlplane/scheduler/test_objects.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hostlet::scheduler {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::MakeNode;
using testing::MakePod;

NodeInfo Node(const json& object) { return NodeInfo{ParseNode(object), {}, {}, 0, {}}; }

TEST(FiltersTest, NodeMustBeReady) {
  json node = MakeNode("n", "1", "1Gi");
  Reasons reasons;
  EXPECT_TRUE(CheckNodeReady(Node(node), &reasons));
  node["status"]["conditions"][0]["status"] = "Unknown";
  EXPECT_FALSE(CheckNodeReady(Node(node), &reasons));
  node["status"].erase("conditions");
  EXPECT_FALSE(CheckNodeReady(Node(node), &reasons));
  EXPECT_THAT(reasons, ElementsAre("node(s) were not ready", "node(s) were not ready"));
}

TEST(FiltersTest, CordonedNodeRefusesUnlessTheTaintIsTolerated) {
  json node = MakeNode("n", "1", "1Gi");
  node["spec"]["unschedulable"] = true;
  json pod = MakePod("p");
  Reasons reasons;
  EXPECT_FALSE(CheckNodeUnschedulable(ParsePod(pod), Node(node), &reasons));
  EXPECT_THAT(reasons, ElementsAre("node(s) were unschedulable"));
  pod["spec"]["tolerations"] = {{{"key", "node.kubernetes.io/unschedulable"},
                                 {"operator", "Exists"},
                                 {"effect", "NoSchedule"}}};
  EXPECT_TRUE(CheckNodeUnschedulable(ParsePod(pod), Node(node), &reasons));
}

TEST(FiltersTest, TaintsNeedTolerationsUnlessPreferNoSchedule) {
  json node = MakeNode("n", "1", "1Gi");
  node["spec"]["taints"] = {{{"key", "soft"}, {"value", "x"}, {"effect", "PreferNoSchedule"}},
                            {{"key", "gpu"}, {"value", "true"}, {"effect", "NoSchedule"}}};
  json pod = MakePod("p");
  Reasons reasons;
  EXPECT_FALSE(CheckTaints(ParsePod(pod), Node(node), &reasons));
  EXPECT_THAT(reasons, ElementsAre("node(s) had untolerated taint {gpu: true}"));

  auto tolerated = [&](json toleration) {
    pod["spec"]["tolerations"] = {toleration};
    Reasons ignored;
    return CheckTaints(ParsePod(pod), Node(node), &ignored);
  };
  EXPECT_TRUE(tolerated({{"key", "gpu"}, {"operator", "Equal"}, {"value", "true"}}));
  EXPECT_TRUE(tolerated({{"key", "gpu"}, {"value", "true"}, {"effect", "NoSchedule"}}));
  EXPECT_FALSE(tolerated({{"key", "gpu"}, {"value", "false"}}));
  EXPECT_TRUE(tolerated({{"key", "gpu"}, {"operator", "Exists"}}));
  EXPECT_FALSE(tolerated({{"key", "gpu"}, {"operator", "Exists"}, {"effect", "NoExecute"}}));
  EXPECT_TRUE(tolerated({{"operator", "Exists"}}));  // empty key: every taint
  EXPECT_FALSE(tolerated({{"operator", "Equal"}, {"value", "true"}}));

  node["spec"]["taints"] = {{{"key", "evict"}, {"value", ""}, {"effect", "NoExecute"}}};
  EXPECT_FALSE(tolerated({{"key", "other"}, {"operator", "Exists"}}));
  EXPECT_TRUE(tolerated({{"key", "evict"}, {"operator", "Exists"}, {"effect", "NoExecute"}}));
}

TEST(FiltersTest, NodeSelectorNeedsEveryLabel) {
  json node = MakeNode("n", "1", "1Gi");
  node["metadata"]["labels"] = {{"disk", "ssd"}, {"zone", "a"}};
  json pod = MakePod("p");
  pod["spec"]["nodeSelector"] = {{"disk", "ssd"}, {"zone", "a"}};
  Reasons reasons;
  EXPECT_TRUE(CheckNodeAffinity(ParsePod(pod), Node(node), &reasons));
  pod["spec"]["nodeSelector"]["zone"] = "b";
  EXPECT_FALSE(CheckNodeAffinity(ParsePod(pod), Node(node), &reasons));
  EXPECT_THAT(reasons, ElementsAre("node(s) didn't match Pod's node affinity/selector"));
}

TEST(FiltersTest, RequiredNodeAffinityOrsTermsAndAndsExpressions) {
  json node = MakeNode("n7", "1", "1Gi");
  node["metadata"]["labels"] = {{"zone", "a"}, {"cores", "16"}};
  auto matches = [&](json terms) {
    json pod = MakePod("p");
    pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = {
        {"nodeSelectorTerms", terms}};
    Reasons reasons;
    return CheckNodeAffinity(ParsePod(pod), Node(node), &reasons);
  };
  auto expr = [](std::string key, std::string op, json values = json::array()) {
    return json{{"key", key}, {"operator", op}, {"values", values}};
  };
  auto term = [](json expressions) { return json{{"matchExpressions", expressions}}; };
  EXPECT_TRUE(matches({term({expr("zone", "In", {"a", "b"})})}));
  EXPECT_FALSE(matches({term({expr("zone", "In", {"b"})})}));
  EXPECT_TRUE(matches({term({expr("zone", "NotIn", {"b"})})}));
  EXPECT_TRUE(matches({term({expr("missing", "NotIn", {"b"})})}));
  EXPECT_TRUE(matches({term({expr("zone", "Exists")})}));
  EXPECT_TRUE(matches({term({expr("missing", "DoesNotExist")})}));
  EXPECT_FALSE(matches({term({expr("zone", "DoesNotExist")})}));
  EXPECT_TRUE(matches({term({expr("cores", "Gt", {"8"})})}));
  EXPECT_FALSE(matches({term({expr("cores", "Lt", {"8"})})}));
  EXPECT_FALSE(matches({term({expr("zone", "Gt", {"8"})})}));  // not a number
  // ANDed within a term, ORed across terms.
  EXPECT_FALSE(matches({term({expr("zone", "In", {"a"}), expr("cores", "Lt", {"8"})})}));
  EXPECT_TRUE(matches({term({expr("zone", "In", {"b"})}), term({expr("cores", "Gt", {"8"})})}));
  // matchFields on the node's name; an empty term selects nothing.
  EXPECT_TRUE(matches({json{{"matchFields", {expr("metadata.name", "In", {"n7"})}}}}));
  EXPECT_FALSE(matches({json{{"matchFields", {expr("metadata.name", "NotIn", {"n7"})}}}}));
  EXPECT_FALSE(matches({json::object()}));
  EXPECT_FALSE(matches(json::array()));
}

TEST(FiltersTest, HostPortsConflictOnSameProtocolAndOverlappingAddress) {
  NodeInfo node = Node(MakeNode("n", "1", "1Gi"));
  node.used_ports = {{"0.0.0.0", "TCP", 80}, {"10.0.0.1", "UDP", 53}};
  auto fits = [&](json ports) {
    json pod = MakePod("p");
    pod["spec"]["containers"][0]["ports"] = ports;
    Reasons reasons;
    return CheckHostPorts(ParsePod(pod), node, &reasons);
  };
  EXPECT_FALSE(fits({{{"containerPort", 8080}, {"hostPort", 80}}}));
  EXPECT_FALSE(fits({{{"containerPort", 8080}, {"hostPort", 80}, {"hostIP", "10.0.0.2"}}}));
  EXPECT_TRUE(fits({{{"containerPort", 80}, {"hostPort", 80}, {"protocol", "UDP"}}}));
  EXPECT_TRUE(fits(
      {{{"containerPort", 53}, {"hostPort", 53}, {"protocol", "UDP"}, {"hostIP", "10.0.0.2"}}}));
  EXPECT_FALSE(fits({{{"containerPort", 53}, {"hostPort", 53}, {"protocol", "UDP"}}}));
  EXPECT_TRUE(fits({{{"containerPort", 80}}}));  // no host port at all
  Reasons reasons;
  json pod = MakePod("p");
  pod["spec"]["containers"][0]["ports"] = {{{"containerPort", 1}, {"hostPort", 80}}};
  CheckHostPorts(ParsePod(pod), node, &reasons);
  EXPECT_THAT(reasons, ElementsAre("node(s) didn't have free ports for the requested pod ports"));
}

TEST(FiltersTest, ResourcesCountWhatIsAlreadyRequested) {
  json object = MakeNode("n", "2", "4Gi", "3");
  object["status"]["allocatable"]["nvidia.com/gpu"] = "1";
  NodeInfo node = Node(object);
  PodInfo big = ParsePod(MakePod("big", "1500m", "3Gi"));
  Reasons reasons;
  EXPECT_TRUE(CheckResources(big, node, &reasons));
  node.AddPod(big);
  EXPECT_FALSE(CheckResources(big, node, &reasons));
  EXPECT_THAT(reasons, ElementsAre("Insufficient cpu", "Insufficient memory"));

  json gpu = MakePod("gpu");
  gpu["spec"]["containers"][0]["resources"]["limits"] = {{"nvidia.com/gpu", "2"}};
  reasons.clear();
  EXPECT_FALSE(CheckResources(ParsePod(gpu), node, &reasons));
  EXPECT_THAT(reasons, ElementsAre("Insufficient nvidia.com/gpu"));

  // A pod that asks for nothing still needs a pod slot.
  PodInfo empty = ParsePod(MakePod("empty"));
  reasons.clear();
  EXPECT_TRUE(CheckResources(empty, node, &reasons));
  node.AddPod(empty);
  node.AddPod(empty);
  EXPECT_FALSE(CheckResources(empty, node, &reasons));
  EXPECT_THAT(reasons, ElementsAre("Too many pods"));
  node.RemovePod(empty);
  reasons.clear();
  EXPECT_TRUE(CheckResources(empty, node, &reasons));
  EXPECT_THAT(reasons, IsEmpty());
}

TEST(FiltersTest, RunFiltersStopsAtTheFirstFailure) {
  json object = MakeNode("n", "1", "1Gi");
  object["spec"]["unschedulable"] = true;
  object["spec"]["taints"] = {{{"key", "k"}, {"value", "v"}, {"effect", "NoSchedule"}}};
  Reasons reasons;
  EXPECT_FALSE(RunFilters(ParsePod(MakePod("p", "8")), Node(object), &reasons));
  EXPECT_THAT(reasons, ElementsAre("node(s) were unschedulable"));
}

}  // namespace
}  // namespace hostlet::scheduler
