// What pods ask for and what nodes offer, in the units the scheduler compares: cpu in
// millicores, memory and every other resource in whole units.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>

namespace hostlet::scheduler {

struct Resources {
  std::int64_t milli_cpu = 0;
  std::int64_t memory = 0;
  // Every other named resource: extended ones ("nvidia.com/gpu"), ephemeral-storage, hugepages.
  std::map<std::string, std::int64_t> scalar;

  void Add(const Resources& other);
  void Subtract(const Resources& other);
  // Each resource the larger of the two, as an init container's requests meet the app's.
  void Max(const Resources& other);
  bool operator==(const Resources& other) const = default;
};

// A pod's effective requests: the sum over containers, raised to any init container's, plus
// the pod overhead. A container that sets a limit but no request asks for the limit, as the
// API server's defaulting would have written.
Resources PodRequests(const nlohmann::json& pod);

// The same sum where a container that asks for no cpu or memory counts as a small fixed amount
// (100m, 200Mi), so that scoring still spreads pods that declare nothing; never used for fit.
Resources NonZeroPodRequests(const nlohmann::json& pod);

// A node's status.allocatable, or status.capacity where allocatable is absent; `pods` is the
// number of pods the node accepts (0 when it says nothing).
Resources NodeAllocatable(const nlohmann::json& node, std::int64_t* pods);

// A resource list ({"cpu": "500m", "memory": "1Gi"}) in scheduler units; entries that do not
// parse are left out.
Resources ParseResourceList(const nlohmann::json& list);

}  // namespace hostlet::scheduler
