// Static pods: Pod manifests in a directory on the node, run without the apiserver, turned
// into pods exactly as the upstream kubelet's file source does, so their names, uids and
// annotations match what kubeadm-style tooling and mirror pods expect.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace hostlet::agent {

struct StaticPodScan {
  std::vector<nlohmann::json> pods;     // one per good manifest, sorted by file name
  std::vector<std::string> errors;      // "<file>: <what is wrong>" per bad manifest (skipped, others still load)
};

// Reads every *.yaml, *.yml, *.json file of `dir` (hidden files skipped, as the kubelet does),
// each holding one Pod (apiVersion v1, kind Pod; other kinds are an error). Files over 10 MiB
// are refused. A second manifest giving a pod the same namespace/name as an earlier one is an
// error. A `dir` that does not exist gives no pods and no errors (the directory may come
// later); a `dir` that is a regular file is read as the only manifest, as the kubelet does.
StaticPodScan ReadStaticPods(const std::filesystem::path& dir, const std::string& node_name);

// Also exposed for the agent: the same work for one manifest's text. The pod gets
// metadata.name "<name>-<node name>", namespace "default" when unset, metadata.uid (unless the
// manifest sets one, as upstream) a hash of the manifest's canonical JSON, node name and
// `source`, annotations kubernetes.io/config.hash (= uid), config.source "file", config.seen
// (now, RFC 3339), spec.nodeName, a NoExecute Exists toleration, status.phase Pending and the
// scheme's defaults (pod_defaults.h). Throws std::runtime_error "<source>: <field>: <what>", or
// "<source>:<line>:<column>: <what>" for YAML errors.
nlohmann::json StaticPodFromManifest(const std::string& text, const std::string& source,
                                     const std::string& node_name);

}  // namespace hostlet::agent
