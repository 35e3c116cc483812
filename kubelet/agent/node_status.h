// The Node object the agent registers and the status it reports: capacity and allocatable from
// the machine, addresses, NodeInfo and the conditions the upstream kubelet reports.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace hostlet::agent {

struct NodeFacts {
  std::string name;
  std::vector<std::string> ips;  // InternalIP addresses
  std::map<std::string, std::string> labels;
  int max_pods = 110;
  std::filesystem::path root_dir;  // its file system's size is the ephemeral-storage capacity
  std::string runtime_version;     // "<runtime name>://<version>"
  bool runtime_ready = false;
  std::string runtime_problem;  // why the runtime or its network is not ready
  int kubelet_port = 10250;     // where the agent's server listens (daemonEndpoints)
};

// The node's addresses, primary first: `configured` when given, else the source address of the
// default route, else the first global address of an interface that is up.
std::vector<std::string> DetectNodeIps(const std::string& configured);

// The Node to register (metadata, spec, status).
nlohmann::json NodeObject(const NodeFacts& facts);

// The status alone; the conditions' heartbeat time is `now`, transition times kept from `previous`.
nlohmann::json NodeStatus(const NodeFacts& facts, const nlohmann::json& previous,
                          const std::string& now);

// The status without its times, to tell whether anything changed.
nlohmann::json WithoutTimes(nlohmann::json status);

}  // namespace hostlet::agent
