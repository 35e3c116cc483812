// The parts of an OCI runtime spec (a bundle's config.json) that hostlet-runtime carries out,
// read into plain structs once so that the container's setup, which runs in a cloned child,
// does no parsing and reports no parse errors.
#pragma once

#include <sys/types.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hostlet::native {

// A config.json the runtime cannot carry out; what() names the field.
class SpecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MountSpec {
  std::string destination;
  std::string type;
  std::string source;
  unsigned long flags = 0;        // MS_* flags other than propagation
  unsigned long propagation = 0;  // MS_PRIVATE, MS_SLAVE, ... with MS_REC when recursive
  bool bind = false;
  std::string data;  // the options the kernel reads as file-system data ("mode=755")
};

struct NamespaceSpec {
  std::string type;  // pid, mount, network, uts, ipc, cgroup
  std::string path;  // empty: a new namespace
};

struct DeviceSpec {
  std::string path;
  char type = 'c';  // c, b, u or p
  int64_t major = 0;
  int64_t minor = 0;
  uint32_t file_mode = 0666;
  uid_t uid = 0;
  gid_t gid = 0;
};

struct RlimitSpec {
  int resource = 0;
  uint64_t soft = 0;
  uint64_t hard = 0;
};

struct CapabilitySets {
  std::vector<int> bounding, effective, permitted, inheritable, ambient;
};

struct ProcessSpec {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
  std::optional<CapabilitySets> capabilities;  // always set from a spec (absent there: none)
  bool no_new_privileges = false;
  std::optional<int> oom_score_adj;
  std::vector<RlimitSpec> rlimits;
};

struct Spec {
  ProcessSpec process;
  std::filesystem::path rootfs;  // absolute
  bool readonly_rootfs = false;
  std::string hostname;
  std::vector<MountSpec> mounts;
  std::vector<NamespaceSpec> namespaces;
  std::string cgroups_path;
  nlohmann::json resources = nlohmann::json::object();  // linux.resources, applied to cgroups
  std::vector<DeviceSpec> devices;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  nlohmann::json seccomp;  // null: no filter
  std::map<std::string, std::string> sysctl;
  unsigned long rootfs_propagation = 0;  // 0: rslave, as runc defaults

  // The namespace of `type` the spec asks for, or nullptr when the container shares the
  // runtime's.
  const NamespaceSpec* Namespace(const std::string& type) const;
};

// The namespace type a sysctl belongs to ("" for the host's own, which a container may not set):
// net.* to the network namespace; the System V IPC and POSIX message queue ones to the IPC
// namespace; the host and domain names to the UTS namespace.
std::string SysctlNamespace(const std::string& key);

// Reads a bundle's config.json. Throws SpecError naming the field for what is malformed or
// asks for what this runtime does not do (a terminal, user namespaces).
Spec ParseSpec(const nlohmann::json& config, const std::filesystem::path& bundle);
Spec LoadSpec(const std::filesystem::path& bundle);

}  // namespace hostlet::native
