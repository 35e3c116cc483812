// Which discovery document a client asked for. kubectl 1.32 asks /api and /apis for the
// aggregated APIGroupDiscoveryList (apidiscovery.k8s.io v2, then v2beta1) before plain JSON, and
// falls back to the legacy documents whenever the answer's Content-Type is plain JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostlet::apiserver {

struct MediaType {
  std::string type;      // "application/json"
  std::string group;     // g=
  std::string version;   // v=
  std::string as;        // as=
  double quality = 1.0;  // q=
};

// The media ranges of an Accept header, in the order written; malformed ones are left out.
std::vector<MediaType> ParseAccept(std::string_view accept);

// The aggregated discovery version ("v2" or "v2beta1") the Accept header prefers, if any: the one
// with the highest q, the first written among equals. Nothing when plain JSON ranks higher.
std::optional<std::string> AggregatedDiscoveryVersion(std::string_view accept);

// The Content-Type of an aggregated discovery answer in `version`.
std::string AggregatedDiscoveryContentType(const std::string& version);

}  // namespace hostlet::apiserver
