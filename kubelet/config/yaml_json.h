// YAML read the way Kubernetes reads it (sigs.k8s.io/yaml: YAML to JSON, then JSON rules), so
// manifests and config files mean here what they mean to kubectl and the upstream kubelet.
#pragma once

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <string>

namespace hostlet::agent {

// yaml-cpp node to JSON as Kubernetes reads YAML: plain scalars become null/bool/int/float when
// they look like one (YAML 1.1/1.2 core: true/false/True/FALSE, null/~/empty, decimal and
// 0x/0o ints, floats incl .inf/.nan), quoted scalars (yaml-cpp tag "!") stay strings; maps need
// string keys (a bool or number key becomes its JSON text, a null, map or list key is refused).
// Merge keys (`<<: *base`) are applied. Duplicate keys, invalid UTF-8 and nesting deeper than 512
// (which also stops a self-referencing alias) are refused. Throws std::runtime_error
// "<line>:<column>: <what>".
nlohmann::json YamlToJson(const YAML::Node& node);

// Parses one YAML (or JSON) document; throws std::runtime_error("<source>:<line>:<column>:
// <what>") on a syntax error, or when there is not exactly one document.
nlohmann::json ParseYamlDocument(const std::string& text, const std::string& source);

// The yaml-cpp tree of one document, with the errors of ParseYamlDocument: for readers that need
// the scalar text as written (a label value `true` stays "true", not a bool).
YAML::Node LoadYamlDocument(const std::string& text, const std::string& source);

// "<line>:<column>" of a yaml-cpp position, both from 1.
std::string YamlPosition(const YAML::Mark& mark);

}  // namespace hostlet::agent
