#include "controlplane/scheduler/cache.h"

#include <vector>

namespace hostlet::scheduler {

ClusterCache::Slot& ClusterCache::SlotFor(const std::string& name) {
  auto& slot = slots_[name];
  if (!slot) {
    slot = std::make_unique<Slot>();
    slot->info.spec.name = name;
  }
  return *slot;
}

void ClusterCache::DropIfUnused(const std::string& name) {
  auto it = slots_.find(name);
  if (it != slots_.end() && !it->second->present && it->second->info.pod_count == 0) {
    slots_.erase(it);
  }
}

bool ClusterCache::UpsertNode(const nlohmann::json& node) {
  NodeSpec spec = ParseNode(node);
  if (spec.name.empty()) return false;
  Slot& slot = SlotFor(spec.name);
  if (slot.present) {
    if (slot.info.spec == spec) return false;
    slot.info.spec = std::move(spec);
    return true;
  }
  slot.info.spec = std::move(spec);
  slot.present = true;
  slot.index = present_.size();
  present_.push_back(&slot.info);
  present_slots_.push_back(&slot);
  return true;
}

bool ClusterCache::RemoveNode(const std::string& name) {
  auto it = slots_.find(name);
  if (it == slots_.end() || !it->second->present) return false;
  Slot& slot = *it->second;
  // Swap with the last so removal stays O(1).
  std::size_t index = slot.index;
  present_[index] = present_.back();
  present_slots_[index] = present_slots_.back();
  present_slots_[index]->index = index;
  present_.pop_back();
  present_slots_.pop_back();
  slot.present = false;
  DropIfUnused(name);
  return true;
}

void ClusterCache::Place(const PodInfo& pod, bool assumed) {
  SlotFor(pod.node_name).info.AddPod(pod);
  pods_[pod.key] = Placed{pod, assumed};
}

bool ClusterCache::Unplace(const std::string& key) {
  auto it = pods_.find(key);
  if (it == pods_.end()) return false;
  std::string node = it->second.pod.node_name;
  auto slot = slots_.find(node);
  if (slot != slots_.end()) slot->second->info.RemovePod(it->second.pod);
  pods_.erase(it);
  DropIfUnused(node);
  return true;
}

bool ClusterCache::UpsertPod(const PodInfo& pod) {
  bool holds = !pod.node_name.empty() && !pod.terminal;
  auto it = pods_.find(pod.key);
  if (it != pods_.end() && holds && it->second.pod.node_name == pod.node_name &&
      it->second.pod.uid == pod.uid) {
    // Usually the watch confirming a pod we assumed; its requests cannot have changed.
    it->second.assumed = false;
    return false;
  }
  bool freed = Unplace(pod.key);
  if (holds) Place(pod, false);
  return freed;
}

bool ClusterCache::RemovePod(const std::string& key) { return Unplace(key); }

void ClusterCache::Assume(const PodInfo& pod, const std::string& node) {
  Unplace(pod.key);
  PodInfo placed = pod;
  placed.node_name = node;
  Place(placed, true);
}

void ClusterCache::Forget(const std::string& key) {
  auto it = pods_.find(key);
  if (it != pods_.end() && it->second.assumed) Unplace(key);
}

bool ClusterCache::IsPlaced(const std::string& key, const std::string& uid) const {
  auto it = pods_.find(key);
  return it != pods_.end() && it->second.pod.uid == uid;
}

const NodeInfo* ClusterCache::FindNode(const std::string& name) const {
  auto it = slots_.find(name);
  return it == slots_.end() || !it->second->present ? nullptr : &it->second->info;
}

void ClusterCache::Clear() {
  // Assumed pods survive: their bindings may not be written yet, so a fresh listing cannot
  // show them, and forgetting them would give their room away twice.
  std::vector<PodInfo> assumed;
  for (const auto& [key, placed] : pods_) {
    if (placed.assumed) assumed.push_back(placed.pod);
  }
  slots_.clear();
  present_.clear();
  present_slots_.clear();
  pods_.clear();
  for (const auto& pod : assumed) Place(pod, true);
}

}  // namespace hostlet::scheduler
