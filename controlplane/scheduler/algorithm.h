// One scheduling decision: filter nodes, score the feasible ones, pick the best; or, when none
// fits, the FailedScheduling message with the reasons per node.
#pragma once

#include "controlplane/scheduler/node_info.h"
#include "controlplane/scheduler/pod_info.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace hostlet::scheduler {

struct ScheduleResult {
  std::string node;     // empty when no node fits
  std::string message;  // why, when no node fits
  std::size_t evaluated = 0;
  std::size_t feasible = 0;
};

// How many feasible nodes are enough before scoring. Like kube-scheduler's
// percentageOfNodesToScore: all of a small cluster; of a large one a share that falls from 50%
// by one point per 125 nodes to at least 5%, and never fewer than 100 nodes. `percentage` above
// 0 fixes the share instead; 100 scores every node.
std::size_t NodesToFind(std::size_t all_nodes, int percentage);

// "0/N nodes are available: 3 Insufficient cpu, 7 node(s) were unschedulable." with the
// counts sorted as text, as kube-scheduler sorts them.
std::string FitErrorMessage(std::size_t all_nodes, const std::map<std::string, int>& reasons);

class Algorithm {
 public:
  explicit Algorithm(std::uint64_t seed = std::random_device{}(), int percentage = 0)
      : rng_(seed), percentage_(percentage) {}

  ScheduleResult Schedule(const PodInfo& pod, const std::vector<NodeInfo*>& nodes);

 private:
  std::mt19937_64 rng_;
  int percentage_;
  // Where the next search starts, so sampled searches visit every node in turn.
  std::size_t next_start_ = 0;
};

}  // namespace hostlet::scheduler
