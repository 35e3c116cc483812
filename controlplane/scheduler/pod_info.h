// A pod as the scheduler reads it, parsed once from its JSON so that filtering thousands of
// nodes touches no JSON.
#pragma once

#include "controlplane/scheduler/requests.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace hostlet::scheduler {

struct HostPort {
  std::string ip;  // "0.0.0.0" when the pod names none: every address
  std::string protocol;
  int port = 0;
  bool operator==(const HostPort& other) const = default;
};

struct Toleration {
  std::string key;      // empty with Exists: every key
  bool exists = false;  // operator Exists; otherwise Equal
  std::string value;
  std::string effect;  // empty: every effect
};

// One matchExpressions or matchFields entry of a node selector term.
struct NodeRequirement {
  enum class Op { kIn, kNotIn, kExists, kDoesNotExist, kGt, kLt, kInvalid };
  std::string key;
  Op op = Op::kInvalid;
  std::vector<std::string> values;
};

struct NodeSelectorTerm {
  std::vector<NodeRequirement> expressions;  // on labels
  std::vector<NodeRequirement> fields;       // on metadata.name
};

struct PodInfo {
  std::string ns;
  std::string name;
  std::string uid;
  std::string key;  // "ns/name"
  std::string node_name;
  std::string scheduler_name;  // "default-scheduler" when the pod names none
  bool terminal = false;       // Succeeded or Failed: holds nothing on its node
  bool deleting = false;
  Resources requests;
  Resources non_zero_requests;
  std::vector<std::pair<std::string, std::string>> node_selector;
  bool has_required_affinity = false;
  std::vector<NodeSelectorTerm> required_terms;  // ORed
  std::vector<Toleration> tolerations;
  std::vector<HostPort> host_ports;
};

PodInfo ParsePod(const nlohmann::json& pod);

}  // namespace hostlet::scheduler
