#include "plugins/runtime/oci/container/oci_spec.h"

#include "plugins/runtime/oci/util/text.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <fstream>
#include <sstream>

namespace hostlet::oci {
namespace {

using nlohmann::json;

// The capabilities a container gets by default, as Docker and containerd give them.
const std::vector<std::string> kDefaultCapabilities = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
    "CAP_AUDIT_WRITE"};

const std::vector<std::string> kAllCapabilities = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ"};

const std::vector<std::string> kMaskedPaths = {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                                               "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                               "/proc/sched_debug", "/proc/scsi", "/sys/firmware"};
const std::vector<std::string> kReadonlyPaths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                 "/proc/sysrq-trigger"};

// Syscalls a container has no business making; RuntimeDefault refuses them with EPERM. (A
// deny list: everything else stays available, as the kernel's capability checks still apply.)
const std::vector<std::string> kRuntimeDefaultDenied = {
    "acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module", "delete_module",
    "finit_module", "get_kernel_syms", "get_mempolicy", "init_module", "ioperm", "iopl", "kcmp",
    "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mbind", "move_pages", "nfsservctl",
    "open_by_handle_at", "perf_event_open", "pivot_root", "process_vm_readv", "process_vm_writev",
    "query_module", "quotactl", "reboot", "request_key", "set_mempolicy", "setns", "settimeofday",
    "swapoff", "swapon", "_sysctl", "sysfs", "umount2", "unshare", "uselib", "userfaultfd", "ustat", "vm86",
    "vm86old", "mount", "fsopen", "fsmount", "fsconfig", "move_mount", "open_tree"};

std::string CapName(const std::string& name) {
  std::string upper;
  for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper.starts_with("CAP_") ? upper : "CAP_" + upper;
}

// uid/gid from a user spec ("1000", "1000:1000", "name", "name:group") resolved in the rootfs.
struct User {
  int64_t uid = 0;
  int64_t gid = 0;
};

std::optional<int64_t> LookUp(const std::filesystem::path& file, const std::string& name, int field) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> parts;
    std::stringstream fields(line);
    std::string part;
    while (std::getline(fields, part, ':')) parts.push_back(part);
    if (parts.size() > static_cast<size_t>(field) && parts[0] == name) return std::stoll(parts[field]);
  }
  return std::nullopt;
}


User ResolveUser(const std::string& spec, const std::filesystem::path& rootfs) {
  User user;
  std::string name = spec.substr(0, spec.find(':'));
  std::string group = spec.find(':') == std::string::npos ? "" : spec.substr(spec.find(':') + 1);
  if (name.empty()) return user;
  if (IsDigits(name)) {
    user.uid = std::stoll(name);
    // The primary group of a numeric uid comes from /etc/passwd when listed there.
    std::ifstream passwd(rootfs / "etc/passwd");
    std::string line;
    while (std::getline(passwd, line)) {
      std::stringstream fields(line);
      std::string parts[4];
      for (auto& part : parts) std::getline(fields, part, ':');
      if (parts[2] == name && IsDigits(parts[3])) user.gid = std::stoll(parts[3]);
    }
  } else {
    auto uid = LookUp(rootfs / "etc/passwd", name, 2);
    if (!uid) throw InvalidContainerConfig("user \"" + name + "\" is not in the image's /etc/passwd");
    user.uid = *uid;
    user.gid = LookUp(rootfs / "etc/passwd", name, 3).value_or(0);
  }
  if (!group.empty()) {
    if (IsDigits(group)) {
      user.gid = std::stoll(group);
    } else {
      auto gid = LookUp(rootfs / "etc/group", group, 2);
      if (!gid) throw InvalidContainerConfig("group \"" + group + "\" is not in the image's /etc/group");
      user.gid = *gid;
    }
  }
  return user;
}

json ProcessUser(const SpecInputs& in) {
  const auto& security = in.container->linux().security_context();
  User user = ResolveUser(in.image_config.value("User", ""), in.rootfs);
  if (!security.run_as_username().empty()) user = ResolveUser(security.run_as_username(), in.rootfs);
  if (security.has_run_as_user()) {
    if (security.run_as_user().value() < 0) throw InvalidContainerConfig("run_as_user must not be negative");
    user = ResolveUser(std::to_string(security.run_as_user().value()), in.rootfs);
  }
  if (security.has_run_as_group()) {
    if (security.run_as_group().value() < 0) throw InvalidContainerConfig("run_as_group must not be negative");
    user.gid = security.run_as_group().value();
  }
  json result = {{"uid", user.uid}, {"gid", user.gid}};
  json groups = json::array();
  for (int64_t group : security.supplemental_groups()) groups.push_back(group);
  if (!groups.empty()) result["additionalGids"] = groups;
  return result;
}

json Args(const SpecInputs& in) {
  std::vector<std::string> entrypoint = in.image_config.value("Entrypoint", std::vector<std::string>{});
  std::vector<std::string> cmd = in.image_config.value("Cmd", std::vector<std::string>{});
  std::vector<std::string> args;
  // Kubernetes semantics: command replaces the entrypoint (and drops the image's cmd); args
  // replace the cmd.
  if (in.container->command_size() > 0) {
    args.assign(in.container->command().begin(), in.container->command().end());
    args.insert(args.end(), in.container->args().begin(), in.container->args().end());
  } else {
    args = entrypoint;
    if (in.container->args_size() > 0) {
      args.insert(args.end(), in.container->args().begin(), in.container->args().end());
    } else {
      args.insert(args.end(), cmd.begin(), cmd.end());
    }
  }
  if (args.empty()) throw InvalidContainerConfig("no command: neither the container nor its image specifies one");
  return args;
}

json Env(const SpecInputs& in) {
  std::vector<std::string> env = in.image_config.value("Env", std::vector<std::string>{});
  auto set = [&](const std::string& key, const std::string& value) {
    for (auto& entry : env) {
      if (entry.substr(0, entry.find('=')) == key) {
        entry = key + "=" + value;
        return;
      }
    }
    env.push_back(key + "=" + value);
  };
  if (!in.paths.hostname.empty()) set("HOSTNAME", in.paths.hostname);
  for (const auto& kv : in.container->envs()) {
    if (kv.key().empty() || kv.key().find('=') != std::string::npos) {
      throw InvalidContainerConfig("environment variable name \"" + kv.key() + "\" is invalid");
    }
    set(kv.key(), kv.value());
  }
  if (std::none_of(env.begin(), env.end(), [](const std::string& e) { return e.starts_with("PATH="); })) {
    env.push_back("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  }
  return env;
}

json Capabilities(const SpecInputs& in) {
  const auto& security = in.container->linux().security_context();
  std::vector<std::string> caps = security.privileged() ? kAllCapabilities : kDefaultCapabilities;
  if (!security.privileged()) {
    for (const auto& add : security.capabilities().add_capabilities()) {
      if (CapName(add) == "CAP_ALL") {
        caps = kAllCapabilities;
      } else if (std::find(caps.begin(), caps.end(), CapName(add)) == caps.end()) {
        if (std::find(kAllCapabilities.begin(), kAllCapabilities.end(), CapName(add)) == kAllCapabilities.end()) {
          throw InvalidContainerConfig("unknown capability \"" + add + "\"");
        }
        caps.push_back(CapName(add));
      }
    }
    for (const auto& drop : security.capabilities().drop_capabilities()) {
      if (CapName(drop) == "CAP_ALL") {
        caps.clear();
      } else {
        std::erase(caps, CapName(drop));
      }
    }
  }
  std::vector<std::string> ambient;
  for (const auto& add : security.capabilities().add_ambient_capabilities()) ambient.push_back(CapName(add));
  return {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", ambient}};
}

json Seccomp(const runtime::v1::SecurityProfile& profile, bool privileged) {
  if (privileged || profile.profile_type() == runtime::v1::SecurityProfile::Unconfined) return nullptr;
  if (profile.profile_type() == runtime::v1::SecurityProfile::Localhost) {
    std::string path = profile.localhost_ref();
    std::ifstream in(path);
    if (!in) throw InvalidContainerConfig("seccomp profile " + path + " cannot be read");
    std::stringstream text;
    text << in.rdbuf();
    json loaded = json::parse(text.str(), nullptr, false);
    if (!loaded.is_object() || !loaded.contains("defaultAction")) {
      throw InvalidContainerConfig("seccomp profile " + path + " is not a seccomp JSON profile");
    }
    return loaded;
  }
  return {{"defaultAction", "SCMP_ACT_ALLOW"},
          {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
          {"syscalls", {{{"names", kRuntimeDefaultDenied}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}}}}};
}

json Mounts(const SpecInputs& in, bool readonly_sys) {
  json mounts = {
      {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}, {"options", {"nosuid", "noexec", "nodev"}}},
      {{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
      {{"destination", "/dev/pts"}, {"type", "devpts"}, {"source", "devpts"},
       {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}}},
      {{"destination", "/dev/mqueue"}, {"type", "mqueue"}, {"source", "mqueue"}, {"options", {"nosuid", "noexec", "nodev"}}},
      {{"destination", "/dev/shm"}, {"type", "tmpfs"}, {"source", "shm"}, {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
      {{"destination", "/sys"}, {"type", "sysfs"}, {"source", "sysfs"},
       {"options", readonly_sys ? json{"nosuid", "noexec", "nodev", "ro"} : json{"nosuid", "noexec", "nodev"}}},
      {{"destination", "/sys/fs/cgroup"}, {"type", "cgroup"}, {"source", "cgroup"},
       {"options", {"nosuid", "noexec", "nodev", "relatime", readonly_sys ? "ro" : "rw"}}}};
  auto bind = [&](const std::filesystem::path& source, const std::string& destination, bool readonly) {
    if (source.empty()) return;
    mounts.push_back({{"destination", destination}, {"type", "bind"}, {"source", source.string()},
                      {"options", readonly ? json{"rbind", "rprivate", "ro"} : json{"rbind", "rprivate"}}});
  };
  bind(in.paths.hostname_file, "/etc/hostname", false);
  bind(in.paths.resolv_conf, "/etc/resolv.conf", false);
  bind(in.paths.hosts, "/etc/hosts", false);
  for (const auto& mount : in.container->mounts()) {
    if (mount.container_path().empty() || mount.container_path()[0] != '/') {
      throw InvalidContainerConfig("mount container_path \"" + mount.container_path() + "\" is not absolute");
    }
    if (!std::filesystem::exists(mount.host_path())) {
      throw InvalidContainerConfig("mount host_path \"" + mount.host_path() + "\" does not exist");
    }
    json options = {"rbind"};
    switch (mount.propagation()) {
      case runtime::v1::PROPAGATION_HOST_TO_CONTAINER: options.push_back("rslave"); break;
      case runtime::v1::PROPAGATION_BIDIRECTIONAL: options.push_back("rshared"); break;
      default: options.push_back("rprivate");
    }
    if (mount.readonly()) options.push_back("ro");
    mounts.push_back({{"destination", mount.container_path()}, {"type", "bind"}, {"source", mount.host_path()},
                      {"options", options}});
  }
  return mounts;
}

json Devices(const SpecInputs& in, json* allow) {
  json devices = json::array();
  for (const auto& device : in.container->devices()) {
    struct stat info{};
    if (stat(device.host_path().c_str(), &info) != 0 || !(S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode))) {
      throw InvalidContainerConfig("device " + device.host_path() + " is not a device node on this host");
    }
    const char* type = S_ISCHR(info.st_mode) ? "c" : "b";
    devices.push_back({{"path", device.container_path()}, {"type", type},
                       {"major", major(info.st_rdev)}, {"minor", minor(info.st_rdev)},
                       {"fileMode", info.st_mode & 0777}, {"uid", 0}, {"gid", 0}});
    allow->push_back({{"allow", true}, {"type", type}, {"major", major(info.st_rdev)}, {"minor", minor(info.st_rdev)},
                      {"access", device.permissions().empty() ? "rwm" : device.permissions()}});
  }
  return devices;
}

}  // namespace

int LowestOomScoreAdj() {
  // CapEff in /proc/self/status is a hex mask; CAP_SYS_RESOURCE is bit 24.
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("CapEff:") && ((std::stoull(line.substr(7), nullptr, 16) >> 24) & 1) != 0) return -1000;
  }
  int own = 0;
  std::ifstream("/proc/self/oom_score_adj") >> own;
  return own;
}

json OciResources(const runtime::v1::LinuxContainerResources& r, int min_oom_score_adj) {
  (void)min_oom_score_adj;
  if (r.cpu_shares() < 0 || r.cpu_shares() > 262144) throw InvalidContainerConfig("cpu_shares must be 0..262144");
  if (r.cpu_quota() < -1) throw InvalidContainerConfig("cpu_quota must be -1 or more");
  if (r.cpu_period() < 0 || (r.cpu_period() != 0 && (r.cpu_period() < 1000 || r.cpu_period() > 1000000))) {
    throw InvalidContainerConfig("cpu_period must be 1000..1000000 microseconds");
  }
  if (r.memory_limit_in_bytes() < 0) throw InvalidContainerConfig("memory_limit_in_bytes must not be negative");
  if (r.memory_limit_in_bytes() != 0 && r.memory_limit_in_bytes() < 4 * 1024 * 1024) {
    throw InvalidContainerConfig("memory_limit_in_bytes below 4 MiB cannot run a container");
  }
  if (r.oom_score_adj() < -1000 || r.oom_score_adj() > 1000) throw InvalidContainerConfig("oom_score_adj must be -1000..1000");
  json resources = json::object();
  json cpu = json::object();
  if (r.cpu_shares() > 0) cpu["shares"] = r.cpu_shares();
  if (r.cpu_quota() != 0) cpu["quota"] = r.cpu_quota();
  if (r.cpu_period() != 0) cpu["period"] = r.cpu_period();
  if (!r.cpuset_cpus().empty()) cpu["cpus"] = r.cpuset_cpus();
  if (!r.cpuset_mems().empty()) cpu["mems"] = r.cpuset_mems();
  if (!cpu.empty()) resources["cpu"] = cpu;
  if (r.memory_limit_in_bytes() > 0) {
    resources["memory"] = {{"limit", r.memory_limit_in_bytes()}};
    if (r.memory_swap_limit_in_bytes() > 0) resources["memory"]["swap"] = r.memory_swap_limit_in_bytes();
  }
  if (!r.unified().empty()) resources["unified"] = json(std::map<std::string, std::string>(r.unified().begin(), r.unified().end()));
  return resources;
}

json BuildOciSpec(const SpecInputs& in) {
  const auto& linux_config = in.container->linux();
  const auto& security = linux_config.security_context();
  const bool privileged = security.privileged();
  if (privileged && !in.sandbox->linux().security_context().privileged()) {
    throw InvalidContainerConfig("a privileged container needs a privileged pod sandbox");
  }
  json process = {{"terminal", false},
                  {"user", ProcessUser(in)},
                  {"args", Args(in)},
                  {"env", Env(in)},
                  {"cwd", in.container->working_dir().empty() ? in.image_config.value("WorkingDir", std::string("/"))
                                                              : in.container->working_dir()},
                  {"capabilities", Capabilities(in)},
                  {"noNewPrivileges", security.no_new_privs()}};
  if (process["cwd"].get<std::string>().empty()) process["cwd"] = "/";
  if (process["cwd"].get<std::string>()[0] != '/') throw InvalidContainerConfig("working_dir must be absolute");
  int oom = static_cast<int>(linux_config.resources().oom_score_adj());
  process["oomScoreAdj"] = std::max(oom, in.min_oom_score_adj);

  json allow = json::array({{{"allow", false}, {"access", "rwm"}}});
  for (const auto& [type, major_number, minor_number] : std::vector<std::tuple<const char*, int, int>>{
           {"c", 1, 3}, {"c", 1, 5}, {"c", 1, 7}, {"c", 1, 8}, {"c", 1, 9}, {"c", 5, 0}, {"c", 5, 2}, {"c", 136, -1}}) {
    json rule = {{"allow", true}, {"type", type}, {"major", major_number}, {"access", "rwm"}};
    if (minor_number >= 0) rule["minor"] = minor_number;
    allow.push_back(rule);
  }
  json devices = Devices(in, &allow);
  if (privileged) allow = json::array({{{"allow", true}, {"access", "rwm"}}});

  json resources = OciResources(linux_config.resources(), in.min_oom_score_adj);
  resources["devices"] = allow;

  json namespaces = {{{"type", "pid"}}, {{"type", "mount"}}};
  auto join = [&](const char* type, const std::filesystem::path& path) {
    if (!path.empty()) namespaces.push_back({{"type", type}, {"path", path.string()}});
  };
  join("network", in.paths.netns);
  join("uts", in.paths.utsns);
  join("ipc", in.paths.ipcns);
  if (security.namespace_options().pid() == runtime::v1::NODE) {
    json without_pid = json::array();
    for (const auto& ns : namespaces) {
      if (ns["type"] != "pid") without_pid.push_back(ns);
    }
    namespaces = without_pid;
  }

  json linux_spec = {{"namespaces", namespaces},
                     {"cgroupsPath", in.cgroups_path},
                     {"resources", resources},
                     {"devices", devices},
                     {"rootfsPropagation", "rprivate"}};
  if (!privileged) {
    linux_spec["maskedPaths"] = security.masked_paths_size() > 0
                                    ? json(std::vector<std::string>(security.masked_paths().begin(), security.masked_paths().end()))
                                    : json(kMaskedPaths);
    linux_spec["readonlyPaths"] = security.readonly_paths_size() > 0
                                      ? json(std::vector<std::string>(security.readonly_paths().begin(), security.readonly_paths().end()))
                                      : json(kReadonlyPaths);
  }
  json seccomp = Seccomp(security.seccomp(), privileged);
  if (!seccomp.is_null()) linux_spec["seccomp"] = seccomp;
  json sysctls = json::object();
  for (const auto& [key, value] : in.sandbox->linux().sysctls()) sysctls[key] = value;
  if (!sysctls.empty()) linux_spec["sysctl"] = sysctls;

  json annotations = json::object();
  for (const auto& [key, value] : in.container->annotations()) annotations[key] = value;
  return {{"ociVersion", "1.0.2"},
          {"process", process},
          {"root", {{"path", "rootfs"}, {"readonly", security.readonly_rootfs()}}},
          {"hostname", in.paths.hostname},
          {"mounts", Mounts(in, !privileged)},
          {"linux", linux_spec},
          {"annotations", annotations}};
}

}  // namespace hostlet::oci
