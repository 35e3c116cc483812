// Request accounting: what a pod asks for, what a node offers.
#include "controlplane/scheduler/requests.h"
#include "controlplane/scheduler/pod_info.h"
#include "tests/controlplane/scheduler/test_objects.h"

#include <gtest/gtest.h>

namespace hostlet::scheduler {
namespace {

using nlohmann::json;
using testing::MakeNode;
using testing::MakePod;

TEST(RequestsTest, SumsContainersAndTakesTheLargestInitContainer) {
  json pod = MakePod("p", "500m", "1Gi");
  pod["spec"]["containers"].push_back(
      {{"name", "side"},
       {"resources", {{"requests", {{"cpu", "250m"}, {"nvidia.com/gpu", "1"}}}}}});
  pod["spec"]["initContainers"] = {
      {{"name", "init"}, {"resources", {{"requests", {{"cpu", "2"}, {"memory", "100Mi"}}}}}}};
  Resources requests = PodRequests(pod);
  EXPECT_EQ(requests.milli_cpu, 2000);               // init's 2 beats 750m
  EXPECT_EQ(requests.memory, 1024LL * 1024 * 1024);  // 1Gi beats the init's 100Mi
  EXPECT_EQ(requests.scalar.at("nvidia.com/gpu"), 1);
}

TEST(RequestsTest, AddsOverheadAndUsesLimitsWhenRequestsAreMissing) {
  json pod = MakePod("p");
  pod["spec"]["containers"][0]["resources"] = {{"limits", {{"cpu", "1"}, {"memory", "64Mi"}}}};
  pod["spec"]["overhead"] = {{"cpu", "100m"}};
  Resources requests = PodRequests(pod);
  EXPECT_EQ(requests.milli_cpu, 1100);
  EXPECT_EQ(requests.memory, 64LL * 1024 * 1024);
}

// Quantities round up only a true remainder, as resource.Quantity's MilliValue and Value do:
// decimal fractions that binary floating point cannot hold exactly are not a remainder.
TEST(RequestsTest, DecimalQuantitiesCountExactlyAndOnlyTrueRemaindersRoundUp) {
  const std::pair<const char*, std::int64_t> cpus[] = {
      {"0.1", 100}, {"0.7", 700}, {"2.2", 2200}, {"1e-3", 1}, {"100.001m", 101}, {"1n", 1}};
  for (const auto& [cpu, milli] : cpus) {
    EXPECT_EQ(PodRequests(MakePod("p", cpu)).milli_cpu, milli) << cpu;
  }
  const std::pair<const char*, std::int64_t> memories[] = {
      {"0.1Gi", 107374183}, {"1.5Mi", 1572864}, {"0.3k", 300}, {"1500m", 2}};
  for (const auto& [memory, bytes] : memories) {
    EXPECT_EQ(PodRequests(MakePod("p", "1", memory)).memory, bytes) << memory;
  }
}

TEST(RequestsTest, PodsWithoutRequestsAskForNothingButScoreAsSmallOnes) {
  json pod = MakePod("p");
  EXPECT_EQ(PodRequests(pod), Resources{});
  Resources non_zero = NonZeroPodRequests(pod);
  EXPECT_EQ(non_zero.milli_cpu, 100);
  EXPECT_EQ(non_zero.memory, 200LL * 1024 * 1024);
}

TEST(RequestsTest, NodeAllocatableFallsBackToCapacity) {
  json node = MakeNode("n", "4", "8Gi", "20");
  node["status"]["allocatable"]["nvidia.com/gpu"] = "2";
  std::int64_t pods = 0;
  Resources allocatable = NodeAllocatable(node, &pods);
  EXPECT_EQ(allocatable.milli_cpu, 4000);
  EXPECT_EQ(allocatable.memory, 8LL << 30);
  EXPECT_EQ(allocatable.scalar.at("nvidia.com/gpu"), 2);
  EXPECT_EQ(pods, 20);
  node["status"].erase("allocatable");
  node["status"]["capacity"]["cpu"] = "3";
  EXPECT_EQ(NodeAllocatable(node, &pods).milli_cpu, 3000);
}

TEST(RequestsTest, ParsesThePodSpecOnce) {
  json pod = MakePod("p", "1");
  pod["spec"]["nodeSelector"] = {{"disk", "ssd"}};
  pod["spec"]["tolerations"] = {{{"key", "k"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}};
  pod["spec"]["containers"][0]["ports"] = {{{"containerPort", 80}, {"hostPort", 8080}},
                                           {{"containerPort", 81}}};
  pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = {
      {"nodeSelectorTerms",
       {{{"matchExpressions", {{{"key", "zone"}, {"operator", "In"}, {"values", {"a"}}}}}}}}};
  PodInfo info = ParsePod(pod);
  EXPECT_EQ(info.key, "default/p");
  EXPECT_EQ(info.scheduler_name, "default-scheduler");
  ASSERT_EQ(info.node_selector.size(), 1u);
  ASSERT_EQ(info.tolerations.size(), 1u);
  EXPECT_TRUE(info.tolerations[0].exists);
  ASSERT_EQ(info.host_ports.size(), 1u);
  EXPECT_EQ(info.host_ports[0], (HostPort{"0.0.0.0", "TCP", 8080}));
  ASSERT_TRUE(info.has_required_affinity);
  ASSERT_EQ(info.required_terms.size(), 1u);
  EXPECT_EQ(info.required_terms[0].expressions[0].op, NodeRequirement::Op::kIn);
}

}  // namespace
}  // namespace hostlet::scheduler
