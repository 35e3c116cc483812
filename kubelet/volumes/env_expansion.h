// $(VAR) references in env values, command and args, expanded exactly as Kubernetes does
// (third_party/forked/golang/expansion): a defined $(VAR) becomes its value, $$ becomes $, and
// anything else, an unknown $(VAR) included, stays as written.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hostlet::agent {

// `lookup` answers a variable's value, or nullopt when it is not defined.
std::string ExpandEnvReferences(
    std::string_view input,
    const std::function<std::optional<std::string>(const std::string&)>& lookup);

}  // namespace hostlet::agent
