// The scheduler's picture of the cluster: every node with what its pods use, fed by the node
// and pod watches and by the scheduler's own placements. A pod the scheduler has placed but not
// yet seen bound through the watch is "assumed": it counts at once, so the next pod does not
// land on the room it took. Not thread-safe; the scheduler guards it.
#pragma once

#include "controlplane/scheduler/node_info.h"
#include "controlplane/scheduler/pod_info.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace hostlet::scheduler {

class ClusterCache {
 public:
  // Both return true when the change may let a pending pod fit: a new node, or a node whose
  // labels, taints, readiness or allocatable changed (a heartbeat alone does not).
  bool UpsertNode(const nlohmann::json& node);
  bool RemoveNode(const std::string& name);

  // A pod as the watch reports it. Bound pods that are not finished count on their node;
  // returns true when room was freed somewhere.
  bool UpsertPod(const PodInfo& pod);
  bool RemovePod(const std::string& key);

  void Assume(const PodInfo& pod, const std::string& node);
  // Undoes Assume after a failed binding, unless the watch has confirmed the pod meanwhile.
  void Forget(const std::string& key);

  // Whether this very pod (same uid) is placed, assumed or confirmed.
  bool IsPlaced(const std::string& key, const std::string& uid) const;

  // The nodes that exist, in no particular but stable order.
  const std::vector<NodeInfo*>& nodes() const { return present_; }
  const NodeInfo* FindNode(const std::string& name) const;
  std::size_t placed_pods() const { return pods_.size(); }
  // Forgets everything but the assumed pods, before a fresh listing.
  void Clear();

 private:
  struct Slot {
    NodeInfo info;
    bool present = false;
    std::size_t index = 0;  // in present_ while present
  };
  struct Placed {
    PodInfo pod;
    bool assumed = false;
  };

  Slot& SlotFor(const std::string& name);
  void Place(const PodInfo& pod, bool assumed);
  bool Unplace(const std::string& key);
  void DropIfUnused(const std::string& name);

  std::unordered_map<std::string, std::unique_ptr<Slot>> slots_;
  std::vector<NodeInfo*> present_;
  std::vector<Slot*> present_slots_;
  std::unordered_map<std::string, Placed> pods_;
};

}  // namespace hostlet::scheduler
