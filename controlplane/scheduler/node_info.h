// A node as the scheduler reads it: what its object says (labels, taints, allocatable,
// readiness) parsed once, plus what the pods placed on it use, kept up to date by the cache.
#pragma once

#include "controlplane/scheduler/pod_info.h"
#include "controlplane/scheduler/requests.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace hostlet::scheduler {

struct Taint {
  std::string key;
  std::string value;
  std::string effect;
  bool operator==(const Taint& other) const = default;
};

// The parts of a Node object that decide where pods may go.
struct NodeSpec {
  std::string name;
  std::unordered_map<std::string, std::string> labels;
  std::vector<Taint> taints;
  bool unschedulable = false;
  bool ready = false;  // a Ready condition with status True
  Resources allocatable;
  std::int64_t allowed_pods = 0;
  bool operator==(const NodeSpec& other) const = default;
};

NodeSpec ParseNode(const nlohmann::json& node);

struct NodeInfo {
  NodeSpec spec;
  Resources requested;           // for fit
  Resources non_zero_requested;  // for scoring
  std::int64_t pod_count = 0;
  std::vector<HostPort> used_ports;

  void AddPod(const PodInfo& pod);
  void RemovePod(const PodInfo& pod);
};

}  // namespace hostlet::scheduler
