// The OCI runtime module's configuration (its JSON config), with defaults.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace hostlet::oci {

struct ModuleConfig {
  std::filesystem::path root = "/var/lib/hostlet/oci";  // images and container data
  std::filesystem::path state = "/run/hostlet/oci";     // runtime state, gone at reboot
  std::string runtime = "runc";                         // OCI runtime binary (runc, crun)
  // The cgroup under which a sandbox that names no cgroup parent gets one of its own
  // ("<cgroupParent>/<sandbox id>"), removed with the sandbox.
  std::string cgroup_parent = "/hostlet";
  std::filesystem::path helper;    // hostlet-oci-helper; default: beside the module file
  std::filesystem::path unpacker;  // hostlet-oci-unpack; default: beside the module file
  std::vector<std::filesystem::path> import_dirs;  // image archives imported at start
  std::vector<std::string> insecure_registries;    // "host:port" that may be reached over plain HTTP
  std::vector<std::string> registry_ca_files;      // PEM CA certificates trusted for registries

  // Throws std::invalid_argument naming the field.
  static ModuleConfig FromJson(const nlohmann::json& json);
};

}  // namespace hostlet::oci
