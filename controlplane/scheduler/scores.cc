#include "controlplane/scheduler/scores.h"

#include <algorithm>
#include <cmath>

namespace hostlet::scheduler {
namespace {

std::int64_t FreeShare(std::int64_t requested, std::int64_t capacity) {
  if (capacity <= 0 || requested > capacity) return 0;
  return (capacity - requested) * kMaxNodeScore / capacity;
}

double UsedFraction(std::int64_t requested, std::int64_t capacity) {
  if (capacity <= 0) return 1.0;
  return std::min(1.0, static_cast<double>(requested) / static_cast<double>(capacity));
}

}  // namespace

// Non-zero requests are used on both sides so pods that declare nothing still spread out.
std::int64_t LeastAllocatedScore(const PodInfo& pod, const NodeInfo& node) {
  const Resources& capacity = node.spec.allocatable;
  std::int64_t cpu = FreeShare(node.non_zero_requested.milli_cpu + pod.non_zero_requests.milli_cpu,
                               capacity.milli_cpu);
  std::int64_t memory =
      FreeShare(node.non_zero_requested.memory + pod.non_zero_requests.memory, capacity.memory);
  return (cpu + memory) / 2;
}

std::int64_t BalancedAllocationScore(const PodInfo& pod, const NodeInfo& node) {
  const Resources& capacity = node.spec.allocatable;
  double cpu = UsedFraction(node.non_zero_requested.milli_cpu + pod.non_zero_requests.milli_cpu,
                            capacity.milli_cpu);
  double memory =
      UsedFraction(node.non_zero_requested.memory + pod.non_zero_requests.memory, capacity.memory);
  // With two resources the standard deviation of the fractions is half their difference.
  double deviation = std::abs(cpu - memory) / 2;
  return static_cast<std::int64_t>((1.0 - deviation) * static_cast<double>(kMaxNodeScore));
}

std::int64_t ScoreNode(const PodInfo& pod, const NodeInfo& node) {
  return LeastAllocatedScore(pod, node) + BalancedAllocationScore(pod, node);
}

}  // namespace hostlet::scheduler
