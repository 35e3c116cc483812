#include "controlplane/scheduler/algorithm.h"

#include "controlplane/scheduler/filters.h"
#include "controlplane/scheduler/scores.h"

#include <algorithm>

namespace hostlet::scheduler {
namespace {

constexpr std::size_t kMinNodesToFind = 100;

}  // namespace

std::size_t NodesToFind(std::size_t all_nodes, int percentage) {
  if (all_nodes < kMinNodesToFind || percentage >= 100) return all_nodes;
  std::int64_t share = percentage;
  if (share <= 0)
    share = std::max<std::int64_t>(5, 50 - static_cast<std::int64_t>(all_nodes) / 125);
  std::size_t count = all_nodes * static_cast<std::size_t>(share) / 100;
  return std::max(count, kMinNodesToFind);
}

std::string FitErrorMessage(std::size_t all_nodes, const std::map<std::string, int>& reasons) {
  if (all_nodes == 0) return "no nodes available to schedule pods";
  std::vector<std::string> counted;
  counted.reserve(reasons.size());
  for (const auto& [reason, count] : reasons)
    counted.push_back(std::to_string(count) + " " + reason);
  std::sort(counted.begin(), counted.end());
  std::string message = "0/" + std::to_string(all_nodes) + " nodes are available:";
  for (std::size_t i = 0; i < counted.size(); ++i) message += (i == 0 ? " " : ", ") + counted[i];
  return message + ".";
}

ScheduleResult Algorithm::Schedule(const PodInfo& pod, const std::vector<NodeInfo*>& nodes) {
  ScheduleResult result;
  std::size_t all = nodes.size();
  if (all == 0) {
    result.message = FitErrorMessage(0, {});
    return result;
  }
  std::size_t wanted = NodesToFind(all, percentage_);
  std::size_t start = next_start_ % all;
  const NodeInfo* best = nullptr;
  std::int64_t best_score = -1;
  std::size_t ties = 0;
  for (std::size_t i = 0; i < all && result.feasible < wanted; ++i) {
    const NodeInfo& node = *nodes[(start + i) % all];
    ++result.evaluated;
    if (!RunFilters(pod, node, nullptr)) continue;
    ++result.feasible;
    std::int64_t score = ScoreNode(pod, node);
    if (score > best_score) {
      best = &node;
      best_score = score;
      ties = 1;
    } else if (score == best_score) {
      // Reservoir sampling keeps each of the equally good nodes with equal chance.
      if (std::uniform_int_distribution<std::size_t>(0, ties++)(rng_) == 0) best = &node;
    }
  }
  next_start_ = (start + result.evaluated) % all;
  if (best == nullptr) {
    // Every node was looked at and none fits: only now say why, node by node.
    std::map<std::string, int> histogram;
    Reasons reasons;
    for (const NodeInfo* candidate : nodes) {
      reasons.clear();
      RunFilters(pod, *candidate, &reasons);
      for (const auto& reason : reasons) ++histogram[reason];
    }
    result.message = FitErrorMessage(all, histogram);
    return result;
  }
  result.node = best->spec.name;
  return result;
}

}  // namespace hostlet::scheduler
