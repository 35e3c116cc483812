// How much a feasible node is preferred, 0 to 100 per plugin, as kube-scheduler's default
// profile scores resources: room left (LeastAllocated) and cpu/memory balance, weight 1 each.
#pragma once

#include "controlplane/scheduler/node_info.h"
#include "controlplane/scheduler/pod_info.h"

#include <cstdint>

namespace hostlet::scheduler {

constexpr std::int64_t kMaxNodeScore = 100;

// Mean over cpu and memory of the share left free once the pod is placed.
std::int64_t LeastAllocatedScore(const PodInfo& pod, const NodeInfo& node);
// Higher when cpu and memory would be used in equal shares once the pod is placed.
std::int64_t BalancedAllocationScore(const PodInfo& pod, const NodeInfo& node);
// The weighted sum the scheduler ranks by.
std::int64_t ScoreNode(const PodInfo& pod, const NodeInfo& node);

}  // namespace hostlet::scheduler
