// The node agent's config file: a KubeletConfiguration-like YAML document, read strictly
// (unknown fields and wrong types are errors) so a typo cannot silently fall back to a default.
#pragma once

#include <filesystem>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hostlet::agent {

struct AgentConfig {
  std::string node_name;                 // nodeName; default: the host name (lowercased)
  std::filesystem::path kubeconfig;      // kubeconfig: the apiserver's kubeconfig; empty = standalone (static pods only)
  std::filesystem::path static_pod_path; // staticPodPath; empty = none
  std::filesystem::path root_dir = "/var/lib/hostlet";   // rootDir: pod volumes and state
  std::filesystem::path pod_logs_dir = "/var/log/pods";  // podLogsDir
  std::string container_runtime_endpoint = "module:oci"; // containerRuntimeEndpoint: module:<name> or unix:///path
  std::vector<std::filesystem::path> plugin_dirs;        // pluginDirs
  std::map<std::string, std::string> plugin_config;      // pluginConfig: map of plugin name -> any YAML value, kept as its JSON text
  std::filesystem::path plugin_socket_dir = "/run/hostlet/plugins";  // pluginSocketDir
  std::filesystem::path cni_conf_dir = "/etc/cni/net.d"; // cniConfDir
  std::vector<std::filesystem::path> cni_bin_dirs = {"/opt/cni/bin", "/usr/lib/cni"}; // cniBinDirs
  std::filesystem::path cni_cache_dir = "/var/lib/cni";  // cniCacheDir
  std::filesystem::path images_dir;      // imagesDir: image archives imported at start; default <rootDir>/images
  std::string cgroup_root = "/";         // cgroupRoot: parent of the kubepods cgroup
  int max_pods = 110;                    // maxPods (>0)
  std::string address = "127.0.0.1";     // address: where the agent's server listens
  int port = 10250;                      // port (1..65535; 0 = no server)
  std::string tls_cert_file, tls_private_key_file;  // tlsCertFile, tlsPrivateKeyFile
  int node_status_update_frequency_seconds = 10;    // nodeStatusUpdateFrequency: a duration string like "10s", "1m30s"
  int node_lease_duration_seconds = 40;             // nodeLeaseDurationSeconds
  int sync_frequency_seconds = 60;                  // syncFrequency duration
  std::map<std::string, std::string> node_labels;   // nodeLabels
  // Container log rotation: a running container's log is rotated once it reaches
  // containerLogMaxSize (a quantity: "10Mi"), keeping containerLogMaxFiles files in all (>= 2),
  // checked every containerLogMonitorInterval (a duration). "0" as the size turns it off.
  std::string container_log_max_size = "10Mi";      // containerLogMaxSize
  int container_log_max_files = 5;                  // containerLogMaxFiles
  int container_log_monitor_interval_seconds = 10;  // containerLogMonitorInterval
};

// containerLogMaxSize in bytes, or nullopt when it is not a quantity.
std::optional<std::int64_t> ContainerLogMaxBytes(const AgentConfig& config);

// Reads `file`: apiVersion hostlet.io/v1alpha1 or kubelet.config.k8s.io/v1beta1, kind
// KubeletConfiguration. Relative paths in the file are relative to the file's directory (made
// absolute). A field that is null or "" keeps its default; an explicit empty list stays empty.
// String fields take any scalar as written (`nodeLabels: {gpu: true}` gives "true"). Checked:
// nodeName (lowercased, an RFC 1123 subdomain), containerRuntimeEndpoint (module:<name> or
// unix:///<absolute path>), address (an IP), maxPods > 0, port 0..65535, durations whole seconds
// > 0, nodeLeaseDurationSeconds > 0, nodeLabels keys and values, containerLogMaxSize a quantity,
// containerLogMaxFiles >= 2, tlsCertFile and
// tlsPrivateKeyFile set together. Throws std::runtime_error "<file>: ..." naming the field, e.g.
// `<file>: unknown field "x"`, `<file>: field "maxPods": expected an integer`.
AgentConfig LoadAgentConfig(const std::filesystem::path& file);

// The defaults, with node_name the host name, lowercased, and images_dir <rootDir>/images.
AgentConfig DefaultAgentConfig();

}  // namespace hostlet::agent
