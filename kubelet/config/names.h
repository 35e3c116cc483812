// Kubernetes name rules the agent checks before the apiserver would, so a bad config or manifest
// is reported against its file instead of failing later as a refused request.
#pragma once

#include <string>

namespace hostlet::agent {

// RFC 1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric, <= 63.
bool IsDns1123Label(const std::string& name);
// RFC 1123 subdomain: dot-separated labels, <= 253 (pod and node names).
bool IsDns1123Subdomain(const std::string& name);
// Label key: [prefix/]name, prefix a subdomain, name <= 63 of [A-Za-z0-9._-] starting and ending
// alphanumeric.
bool IsLabelKey(const std::string& key);
// Label value: empty, or a name as in a label key.
bool IsLabelValue(const std::string& value);

}  // namespace hostlet::agent
