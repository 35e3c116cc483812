// Server-side printing: the meta.k8s.io/v1 Table that answers a list or get when kubectl asks for
// `application/json;as=Table;v=v1;g=meta.k8s.io`. kubectl prints the columns as they come, so the
// columns and cells here are what users read in `kubectl get` (and `-o wide`, which only shows
// the columns of priority 1 that every row already carries).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostlet::apiserver {

// What each row carries besides its cells, as ?includeObject= asks: nothing (the row's
// "object" is null), a meta.k8s.io/v1 PartialObjectMetadata (the default, enough for kubectl to
// name and label rows), or the whole object (for --sort-by, --show-labels and the like).
enum class IncludeObject { kNone, kMetadata, kObject };

struct TableOptions {
  IncludeObject include = IncludeObject::kMetadata;
  // Ages and "(5m ago)" are measured from here, so one answer uses one clock reading.
  std::chrono::system_clock::time_point now;
};

// The value of ?includeObject= ("None", "Metadata", "Object"; empty means Metadata), or
// nothing when it is none of these, which Kubernetes rejects as a bad request.
std::optional<IncludeObject> ParseIncludeObject(std::string_view value);

// The Table of `objects`, stored JSON objects of the resource `group`/`resource` as the URL
// names it ("", "pods"; "apps", "deployments"). Resources without printer of their own get NAME
// and AGE. The Table's "metadata" is left empty for the caller's resourceVersion and continue.
nlohmann::json ToTable(const std::string& group, const std::string& resource,
                       const std::vector<nlohmann::json>& objects, const TableOptions& options);

}  // namespace hostlet::apiserver
