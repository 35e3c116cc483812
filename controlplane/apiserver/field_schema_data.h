// The field schema that field_schema.cc checks objects against, as data: for each API type, the
// JSON names of its fields, from the Kubernetes v1.32 API (its OpenAPI definitions, where
// inlined Go structs such as VolumeSource or ProbeHandler are already flattened into the type
// that embeds them).
#pragma once

#include <span>

namespace hostlet::apiserver::field_schema {

// One API type. `fields` holds its field names separated by spaces; a field whose value is an
// object of another type is written "name:Type", one whose value is a list of such objects
// "name:[]Type". A bare name is a field whose value is not looked into: a scalar, a list of
// scalars, a map with free keys (labels, data, resource lists) or free-form JSON (fieldsV1).
// Type names are the Go type names; none is used twice in the served kinds.
struct TypeFields {
  const char* type;
  const char* fields;
};

// The types of the core group's kinds (and of meta/v1, which they embed).
std::span<const TypeFields> CoreTypes();
// The types that only the apps, coordination, storage and autoscaling kinds bring in.
std::span<const TypeFields> GroupTypes();

}  // namespace hostlet::apiserver::field_schema
