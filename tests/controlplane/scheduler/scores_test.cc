// The resource scores and how the best node is chosen, sampled and explained.
#include "controlplane/scheduler/scores.h"
#include "controlplane/scheduler/algorithm.h"
#include "controlplane/scheduler/cache.h"
#include "tests/controlplane/scheduler/test_objects.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>

namespace hostlet::scheduler {
namespace {

using nlohmann::json;
using testing::MakeNode;
using testing::MakePod;

NodeInfo Node(const json& object) { return NodeInfo{ParseNode(object), {}, {}, 0, {}}; }

TEST(ScoresTest, LeastAllocatedPrefersRoomLeft) {
  NodeInfo node = Node(MakeNode("n", "4", "8Gi"));
  PodInfo pod = ParsePod(MakePod("p", "1", "2Gi"));
  EXPECT_EQ(LeastAllocatedScore(pod, node), 75);  // 3/4 of cpu and 6/8 of memory left
  node.AddPod(ParsePod(MakePod("q", "2", "2Gi")));
  EXPECT_EQ(LeastAllocatedScore(pod, node), (25 + 50) / 2);
  node.AddPod(ParsePod(MakePod("r", "4", "1Gi")));
  EXPECT_EQ(LeastAllocatedScore(pod, node), (0 + 37) / 2);  // overcommitted cpu scores 0
}

TEST(ScoresTest, BalancedAllocationPrefersEqualShares) {
  NodeInfo node = Node(MakeNode("n", "4", "8Gi"));
  EXPECT_EQ(BalancedAllocationScore(ParsePod(MakePod("even", "2", "4Gi")), node), 100);
  // cpu 100%, memory 0.2/8 ≈ 2.4%: deviation ≈ 0.49.
  EXPECT_EQ(BalancedAllocationScore(ParsePod(MakePod("odd", "4", "200Mi")), node), 51);
}

TEST(ScoresTest, PodsThatAskForNothingStillSpread) {
  NodeInfo empty = Node(MakeNode("a", "1", "1Gi"));
  NodeInfo busy = Node(MakeNode("b", "1", "1Gi"));
  PodInfo none = ParsePod(MakePod("none"));
  for (int i = 0; i < 5; ++i) busy.AddPod(none);
  EXPECT_GT(ScoreNode(none, empty), ScoreNode(none, busy));
}

TEST(AlgorithmTest, PicksTheBestScoringFeasibleNode) {
  ClusterCache cache;
  cache.UpsertNode(MakeNode("small", "1", "1Gi"));
  cache.UpsertNode(MakeNode("large", "16", "32Gi"));
  cache.UpsertNode(MakeNode("tiny", "100m", "1Gi"));
  Algorithm algorithm(1);
  ScheduleResult result =
      algorithm.Schedule(ParsePod(MakePod("p", "500m", "512Mi")), cache.nodes());
  EXPECT_EQ(result.node, "large");
  EXPECT_EQ(result.feasible, 2u);
}

TEST(AlgorithmTest, ExplainsWhyNothingFitsWithSortedCounts) {
  ClusterCache cache;
  for (int i = 0; i < 12; ++i) {
    json node = MakeNode("n" + std::to_string(i), "1", "1Gi");
    if (i < 3) node["spec"]["unschedulable"] = true;
    if (i == 3) node["spec"]["taints"] = {{{"key", "a"}, {"value", "b"}, {"effect", "NoSchedule"}}};
    cache.UpsertNode(node);
  }
  Algorithm algorithm(1);
  ScheduleResult result = algorithm.Schedule(ParsePod(MakePod("p", "2", "2Gi")), cache.nodes());
  EXPECT_EQ(result.node, "");
  // Sorted as text, so "1 ..." comes before "3 ..." and "8 ...".
  EXPECT_EQ(result.message,
            "0/12 nodes are available: 1 node(s) had untolerated taint {a: b}, 3 node(s) were "
            "unschedulable, 8 Insufficient cpu, 8 Insufficient memory.");
  EXPECT_EQ(Algorithm(1).Schedule(ParsePod(MakePod("p")), {}).message,
            "no nodes available to schedule pods");
}

TEST(AlgorithmTest, SamplesLargeClustersAndRotatesTheStart) {
  EXPECT_EQ(NodesToFind(50, 0), 50u);
  EXPECT_EQ(NodesToFind(200, 0), 100u);      // 49% of 200 is below the floor of 100
  EXPECT_EQ(NodesToFind(5000, 0), 500u);     // 50 - 5000/125 = 10%
  EXPECT_EQ(NodesToFind(100000, 0), 5000u);  // never below 5%
  EXPECT_EQ(NodesToFind(5000, 100), 5000u);

  ClusterCache cache;
  for (int i = 0; i < 1000; ++i) cache.UpsertNode(MakeNode("n" + std::to_string(i), "4", "8Gi"));
  Algorithm algorithm(7);
  std::set<std::string> chosen;
  for (int i = 0; i < 20; ++i) {
    ScheduleResult result = algorithm.Schedule(ParsePod(MakePod("p")), cache.nodes());
    EXPECT_EQ(result.evaluated, NodesToFind(1000, 0));
    chosen.insert(result.node);
  }
  EXPECT_GT(chosen.size(), 10u);  // equal nodes: the choice moves around
}

TEST(CacheTest, AssumedPodsCountUntilConfirmedOrForgotten) {
  ClusterCache cache;
  cache.UpsertNode(MakeNode("n", "2", "2Gi"));
  PodInfo pod = ParsePod(MakePod("p", "1", "1Gi"));
  cache.Assume(pod, "n");
  EXPECT_EQ(cache.FindNode("n")->requested.milli_cpu, 1000);
  cache.Forget(pod.key);
  EXPECT_EQ(cache.FindNode("n")->requested.milli_cpu, 0);

  cache.Assume(pod, "n");
  PodInfo bound = pod;
  bound.node_name = "n";
  EXPECT_FALSE(cache.UpsertPod(bound));  // the watch confirms it
  cache.Forget(pod.key);                 // too late to forget
  EXPECT_EQ(cache.FindNode("n")->requested.milli_cpu, 1000);
  EXPECT_EQ(cache.FindNode("n")->pod_count, 1);

  bound.terminal = true;  // finished pods hold nothing
  EXPECT_TRUE(cache.UpsertPod(bound));
  EXPECT_EQ(cache.FindNode("n")->pod_count, 0);
}

TEST(CacheTest, PodsSeenBeforeTheirNodeCountOnceItArrives) {
  ClusterCache cache;
  PodInfo pod = ParsePod(MakePod("p", "1"));
  pod.node_name = "later";
  cache.UpsertPod(pod);
  EXPECT_EQ(cache.FindNode("later"), nullptr);
  EXPECT_TRUE(cache.UpsertNode(MakeNode("later", "2", "2Gi")));
  EXPECT_EQ(cache.FindNode("later")->requested.milli_cpu, 1000);
  EXPECT_FALSE(cache.UpsertNode(MakeNode("later", "2", "2Gi")));  // nothing changed
  json relabeled = MakeNode("later", "2", "2Gi");
  relabeled["metadata"]["labels"]["x"] = "y";
  EXPECT_TRUE(cache.UpsertNode(relabeled));
  EXPECT_TRUE(cache.RemoveNode("later"));
  EXPECT_TRUE(cache.nodes().empty());
}

}  // namespace
}  // namespace hostlet::scheduler
