// The predicate a list or watch applies: its label selector and its field selector, the fields
// checked against what the kind supports before anything is read.
#pragma once

#include "controlplane/apiserver/resources.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

namespace hostlet::apiserver {

// Null when both selectors are empty. Throws ApiException (400) for a malformed selector or a
// field the resource cannot be selected by, worded as Kubernetes words it.
std::function<bool(const nlohmann::json&)> MakeListFilter(const Resource& resource,
                                                          const std::string& label_selector,
                                                          const std::string& field_selector);

}  // namespace hostlet::apiserver
