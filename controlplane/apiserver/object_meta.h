// ObjectMeta rules every stored object follows: names, labels, annotations, and the fields the
// server assigns (uid, creationTimestamp, generated names).
#pragma once

#include "controlplane/apiserver/api_status.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace hostlet::apiserver {

// RFC 1123 label: at most 63 of [a-z0-9-], alphanumeric at both ends ("kube-system").
bool IsDnsLabel(std::string_view name);
// RFC 1123 subdomain: at most 253 characters, dot-separated labels ("my.pod-1").
bool IsDnsSubdomain(std::string_view name);
// A label or annotation key: an optional DNS-subdomain prefix and '/', then a name of at most
// 63 of [A-Za-z0-9-_.], alphanumeric at both ends ("app.kubernetes.io/name").
bool IsQualifiedName(std::string_view key);
// A label value: empty, or at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends.
bool IsLabelValue(std::string_view value);

// Why `name` is not valid as a `rule_is_label` (DNS label) or subdomain name; empty if it is.
std::string NameProblem(std::string_view name, bool rule_is_label);

// The causes of an invalid metadata: name (a DNS label or subdomain), labels, annotations.
std::vector<StatusCause> ValidateObjectMeta(const nlohmann::json& metadata, bool name_is_label);

// A random RFC 4122 version 4 UUID, as Kubernetes gives every object.
std::string NewUid();
// RFC 3339 in UTC with seconds, as metav1.Time marshals: "2026-11-25T20:05:00Z".
std::string FormatTime(std::chrono::system_clock::time_point time);
// Five random characters from Kubernetes' unambiguous alphabet, appended to generateName.
std::string RandomNameSuffix();

}  // namespace hostlet::apiserver
