// How one YAML scalar becomes a JSON value: the typing rules Kubernetes applies when it reads
// YAML (null, bool, int, float or string), kept apart from the tree walk so both stay small.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace hostlet::agent {

// A plain (unquoted, untagged) scalar typed by its look: null/Null/NULL/~ and the empty scalar
// are null, true/false in their three spellings are bools, decimal, 0x, 0o and 0b integers
// (underscores allowed, a leading 0 meaning octal as YAML 1.1 and Kubernetes read `0644`)
// are ints, decimals with a point or exponent and .inf/.nan are floats; anything else is a
// string.
nlohmann::json ResolvePlainScalar(const std::string& text);

// A scalar carrying an explicit tag. "!" (quoted, literal and folded scalars) and unknown or
// local tags give a string; the core tags !!str, !!null, !!bool, !!int and !!float force that
// type and throw std::runtime_error when the text does not fit it.
nlohmann::json ResolveTaggedScalar(const std::string& text, const std::string& tag);

}  // namespace hostlet::agent
