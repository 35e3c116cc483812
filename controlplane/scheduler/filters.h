// The checks that rule a node out for a pod. Each returns the reasons, worded as kube-scheduler
// words them, since users read them in FailedScheduling events. Each returns whether the node
// passes and, when it does not and `reasons` is not null, appends why.
#pragma once

#include "controlplane/scheduler/node_info.h"
#include "controlplane/scheduler/pod_info.h"

#include <string>
#include <vector>

namespace hostlet::scheduler {

using Reasons = std::vector<std::string>;

// The node reports a Ready condition that is True.
bool CheckNodeReady(const NodeInfo& node, Reasons* reasons);
// spec.unschedulable (cordoned), unless the pod tolerates the matching taint.
bool CheckNodeUnschedulable(const PodInfo& pod, const NodeInfo& node, Reasons* reasons);
// Every NoSchedule and NoExecute taint tolerated; PreferNoSchedule never rules out.
bool CheckTaints(const PodInfo& pod, const NodeInfo& node, Reasons* reasons);
// nodeSelector and required node affinity.
bool CheckNodeAffinity(const PodInfo& pod, const NodeInfo& node, Reasons* reasons);
// No host port of the pod already taken on the node.
bool CheckHostPorts(const PodInfo& pod, const NodeInfo& node, Reasons* reasons);
// pods, cpu, memory and every other requested resource fit what is left.
bool CheckResources(const PodInfo& pod, const NodeInfo& node, Reasons* reasons);

// All of them in kube-scheduler's order, stopping at the first that fails, as it does.
bool RunFilters(const PodInfo& pod, const NodeInfo& node, Reasons* reasons);

bool Tolerates(const Toleration& toleration, const Taint& taint);
bool MatchesTerm(const NodeSelectorTerm& term, const NodeSpec& node);

}  // namespace hostlet::scheduler
