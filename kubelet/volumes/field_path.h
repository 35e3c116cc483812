// The downward API's pod metadata fields, shared by env fieldRef and downwardAPI volumes
// (fieldpath.ExtractFieldPathAsString in the kubelet).
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>

namespace hostlet::agent {

// metadata.name, metadata.namespace, metadata.uid, metadata.labels, metadata.annotations (as
// FormatMap lines), metadata.labels['k'] and metadata.annotations['k'] ("" when k is absent);
// nullopt for any other path, which the caller may know itself (spec.*, status.*) or refuse.
std::optional<std::string> PodMetadataField(const nlohmann::json& pod, const std::string& path);

// key="value" lines sorted by key, the value quoted as Go's %q quotes it, no trailing newline.
std::string FormatMap(const std::map<std::string, std::string>& entries);

// Go's strconv.Quote for the bytes of a label or annotation value.
std::string GoQuote(const std::string& text);

}  // namespace hostlet::agent
