#include "plugins/runtime/native/spec.h"

#include "plugins/runtime/native/capabilities.h"

#include <sys/mount.h>
#include <sys/resource.h>

#include <fstream>
#include <sstream>

namespace hostlet::native {
namespace {

using nlohmann::json;

template <typename T>
T Get(const json& object, const char* key, const std::string& where, T fallback) {
  if (!object.is_object() || !object.contains(key) || object[key].is_null()) return fallback;
  try {
    return object[key].get<T>();
  } catch (const json::exception&) {
    throw SpecError(where + "." + key + " has the wrong type");
  }
}

struct MountOption {
  const char* name;
  bool clear;  // the option turns the flag off
  unsigned long flag;
};

const MountOption kFlagOptions[] = {
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
};

const MountOption kPropagationOptions[] = {
    {"private", false, MS_PRIVATE},       {"rprivate", false, MS_PRIVATE | MS_REC},
    {"shared", false, MS_SHARED},         {"rshared", false, MS_SHARED | MS_REC},
    {"slave", false, MS_SLAVE},           {"rslave", false, MS_SLAVE | MS_REC},
    {"unbindable", false, MS_UNBINDABLE}, {"runbindable", false, MS_UNBINDABLE | MS_REC},
};

unsigned long Propagation(const std::string& option) {
  for (const auto& known : kPropagationOptions) {
    if (option == known.name) return known.flag;
  }
  return 0;
}

MountSpec ParseMount(const json& mount, const std::string& where) {
  MountSpec result;
  result.destination = Get<std::string>(mount, "destination", where, "");
  if (result.destination.empty() || result.destination[0] != '/') {
    throw SpecError(where + ".destination \"" + result.destination + "\" is not an absolute path");
  }
  // One spelling per place ("//dev/" is "/dev"), so that mounts can be compared by destination.
  result.destination = std::filesystem::path(result.destination).lexically_normal().string();
  while (result.destination.size() > 1 && result.destination.back() == '/')
    result.destination.pop_back();
  result.type = Get<std::string>(mount, "type", where, "");
  result.source = Get<std::string>(mount, "source", where, "");
  for (const auto& option : Get<std::vector<std::string>>(mount, "options", where, {})) {
    if (option == "bind" || option == "rbind") {
      result.bind = true;
      if (option == "rbind") result.flags |= MS_REC;
      continue;
    }
    if (unsigned long propagation = Propagation(option)) {
      result.propagation = propagation;
      continue;
    }
    bool known = false;
    for (const auto& flag : kFlagOptions) {
      if (option == flag.name) {
        result.flags = flag.clear ? result.flags & ~flag.flag : result.flags | flag.flag;
        known = true;
      }
    }
    if (!known) result.data += (result.data.empty() ? "" : ",") + option;
  }
  if (result.type == "bind") result.bind = true;
  if (result.bind && result.source.empty())
    throw SpecError(where + ".source is empty for a bind mount");
  return result;
}

int RlimitResource(const std::string& name, const std::string& where) {
  static const std::map<std::string, int> kResources = {{"RLIMIT_AS", RLIMIT_AS},
                                                        {"RLIMIT_CORE", RLIMIT_CORE},
                                                        {"RLIMIT_CPU", RLIMIT_CPU},
                                                        {"RLIMIT_DATA", RLIMIT_DATA},
                                                        {"RLIMIT_FSIZE", RLIMIT_FSIZE},
                                                        {"RLIMIT_LOCKS", RLIMIT_LOCKS},
                                                        {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
                                                        {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
                                                        {"RLIMIT_NICE", RLIMIT_NICE},
                                                        {"RLIMIT_NOFILE", RLIMIT_NOFILE},
                                                        {"RLIMIT_NPROC", RLIMIT_NPROC},
                                                        {"RLIMIT_RSS", RLIMIT_RSS},
                                                        {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
                                                        {"RLIMIT_RTTIME", RLIMIT_RTTIME},
                                                        {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
                                                        {"RLIMIT_STACK", RLIMIT_STACK}};
  auto found = kResources.find(name);
  if (found == kResources.end())
    throw SpecError(where + ".type \"" + name + "\" is not a known rlimit");
  return found->second;
}

std::vector<int> CapabilityList(const json& caps, const char* key, const std::string& where) {
  std::vector<int> numbers;
  for (const auto& name : Get<std::vector<std::string>>(caps, key, where, {})) {
    int number = CapabilityNumber(name);
    if (number < 0) throw SpecError(where + "." + key + ": unknown capability \"" + name + "\"");
    numbers.push_back(number);
  }
  return numbers;
}

// A uid or gid: 0 to 2^32-2 (2^32-1 means "unchanged" to the kernel).
uint32_t CheckedId(int64_t id, const std::string& where) {
  if (id < 0 || id > 4294967294LL)
    throw SpecError(where + ": " + std::to_string(id) + " is not a valid id");
  return static_cast<uint32_t>(id);
}

uint32_t Id(const json& object, const char* key, const std::string& where) {
  return CheckedId(Get<int64_t>(object, key, where, 0), where + "." + key);
}

ProcessSpec ParseProcess(const json& process, const std::string& where) {
  if (!process.is_object()) throw SpecError(where + " is missing");
  if (Get<bool>(process, "terminal", where, false)) {
    throw SpecError(where + ".terminal: hostlet-runtime gives containers no terminal");
  }
  ProcessSpec result;
  result.args = Get<std::vector<std::string>>(process, "args", where, {});
  if (result.args.empty()) throw SpecError(where + ".args is empty");
  result.env = Get<std::vector<std::string>>(process, "env", where, {});
  result.cwd = Get<std::string>(process, "cwd", where, "/");
  if (result.cwd.empty() || result.cwd[0] != '/')
    throw SpecError(where + ".cwd must be an absolute path");
  const json user = process.value("user", json::object());
  result.uid = Id(user, "uid", where + ".user");
  result.gid = Id(user, "gid", where + ".user");
  for (int64_t gid : Get<std::vector<int64_t>>(user, "additionalGids", where + ".user", {})) {
    result.additional_gids.push_back(CheckedId(gid, where + ".user.additionalGids"));
  }
  // No capabilities section means none at all, as with runc; the process never keeps the
  // runtime's own.
  const json caps = process.value("capabilities", json::object());
  if (!caps.is_object()) throw SpecError(where + ".capabilities is not an object");
  const std::string at = where + ".capabilities";
  result.capabilities =
      CapabilitySets{CapabilityList(caps, "bounding", at), CapabilityList(caps, "effective", at),
                     CapabilityList(caps, "permitted", at), CapabilityList(caps, "inheritable", at),
                     CapabilityList(caps, "ambient", at)};
  result.no_new_privileges = Get<bool>(process, "noNewPrivileges", where, false);
  if (process.contains("oomScoreAdj") && !process["oomScoreAdj"].is_null()) {
    result.oom_score_adj = Get<int>(process, "oomScoreAdj", where, 0);
  }
  for (const auto& limit : process.value("rlimits", json::array())) {
    const std::string at = where + ".rlimits";
    result.rlimits.push_back({RlimitResource(Get<std::string>(limit, "type", at, ""), at),
                              Get<uint64_t>(limit, "soft", at, 0),
                              Get<uint64_t>(limit, "hard", at, 0)});
  }
  return result;
}

bool HasDotDot(const std::string& path) {
  for (const auto& part : std::filesystem::path(path)) {
    if (part == "..") return true;
  }
  return false;
}

DeviceSpec ParseDevice(const json& device, const std::string& where) {
  DeviceSpec result;
  result.path = Get<std::string>(device, "path", where, "");
  if (!result.path.starts_with("/dev/") || HasDotDot(result.path)) {
    throw SpecError(where + ".path \"" + result.path +
                    "\" is not a path under /dev without \"..\"");
  }
  result.path = std::filesystem::path(result.path).lexically_normal().string();
  std::string type = Get<std::string>(device, "type", where, "");
  if (type != "c" && type != "b" && type != "u" && type != "p") {
    throw SpecError(where + ".type \"" + type + "\" is not one of c, b, u, p");
  }
  result.type = type[0];
  result.major = Get<int64_t>(device, "major", where, 0);
  result.minor = Get<int64_t>(device, "minor", where, 0);
  result.file_mode = Get<uint32_t>(device, "fileMode", where, 0666);
  result.uid = Id(device, "uid", where);
  result.gid = Id(device, "gid", where);
  return result;
}

}  // namespace

std::string SysctlNamespace(const std::string& key) {
  if (key.starts_with("net.")) return "network";
  if (key.starts_with("fs.mqueue.") || key.starts_with("kernel.shm") ||
      key.starts_with("kernel.msg") || key == "kernel.sem") {
    return "ipc";
  }
  if (key == "kernel.hostname" || key == "kernel.domainname") return "uts";
  return "";
}

const NamespaceSpec* Spec::Namespace(const std::string& type) const {
  for (const auto& ns : namespaces) {
    if (ns.type == type) return &ns;
  }
  return nullptr;
}

namespace {

Spec ParseSpecFields(const json& config, const std::filesystem::path& bundle) {
  if (!config.is_object()) throw SpecError("config.json is not a JSON object");
  Spec spec;
  spec.process = ParseProcess(config.value("process", json()), "process");
  const json root = config.value("root", json::object());
  std::filesystem::path rootfs = Get<std::string>(root, "path", "root", "");
  if (rootfs.empty()) throw SpecError("root.path is missing");
  spec.rootfs = rootfs.is_absolute() ? rootfs : bundle / rootfs;
  spec.readonly_rootfs = Get<bool>(root, "readonly", "root", false);
  spec.hostname = Get<std::string>(config, "hostname", "", "");
  const json mounts = config.value("mounts", json::array());
  for (size_t i = 0; i < mounts.size(); ++i)
    spec.mounts.push_back(ParseMount(mounts[i], "mounts[" + std::to_string(i) + "]"));

  const json linux_config = config.value("linux", json::object());
  const json namespaces = linux_config.value("namespaces", json::array());
  for (size_t i = 0; i < namespaces.size(); ++i) {
    const std::string where = "linux.namespaces[" + std::to_string(i) + "]";
    NamespaceSpec ns{Get<std::string>(namespaces[i], "type", where, ""),
                     Get<std::string>(namespaces[i], "path", where, "")};
    if (ns.type == "user")
      throw SpecError(where + ": hostlet-runtime does not make user namespaces");
    if (ns.type != "pid" && ns.type != "mount" && ns.type != "network" && ns.type != "uts" &&
        ns.type != "ipc" && ns.type != "cgroup") {
      throw SpecError(where + ".type \"" + ns.type + "\" is not a namespace type");
    }
    if (spec.Namespace(ns.type)) throw SpecError(where + ": a second " + ns.type + " namespace");
    spec.namespaces.push_back(ns);
  }
  if (!spec.Namespace("mount"))
    throw SpecError("linux.namespaces: a container needs a mount namespace of its own");
  spec.cgroups_path = Get<std::string>(linux_config, "cgroupsPath", "linux", "");
  if (spec.cgroups_path.find("..") != std::string::npos)
    throw SpecError("linux.cgroupsPath must not contain \"..\"");
  if (!spec.cgroups_path.empty() && spec.cgroups_path[0] != '/')
    spec.cgroups_path = "/" + spec.cgroups_path;
  // "/" (or "//") would make the whole hierarchy the container's, to be killed and removed.
  if (!spec.cgroups_path.empty() &&
      std::filesystem::path(spec.cgroups_path).lexically_normal().relative_path().empty()) {
    throw SpecError("linux.cgroupsPath \"" + spec.cgroups_path +
                    "\" names the root of the hierarchy");
  }
  if (linux_config.contains("resources") && linux_config["resources"].is_object())
    spec.resources = linux_config["resources"];
  const json devices = linux_config.value("devices", json::array());
  for (size_t i = 0; i < devices.size(); ++i)
    spec.devices.push_back(ParseDevice(devices[i], "linux.devices[" + std::to_string(i) + "]"));
  spec.masked_paths = Get<std::vector<std::string>>(linux_config, "maskedPaths", "linux", {});
  spec.readonly_paths = Get<std::vector<std::string>>(linux_config, "readonlyPaths", "linux", {});
  if (linux_config.contains("seccomp") && linux_config["seccomp"].is_object())
    spec.seccomp = linux_config["seccomp"];
  spec.sysctl = Get<std::map<std::string, std::string>>(linux_config, "sysctl", "linux", {});
  for (const auto& [key, value] : spec.sysctl) {
    // Only sysctls of a namespace the container has may be set: others are the host's.
    std::string needed = SysctlNamespace(key);
    if (needed.empty()) throw SpecError("linux.sysctl \"" + key + "\" is not a namespaced sysctl");
    if (!spec.Namespace(needed)) {
      throw SpecError("linux.sysctl \"" + key + "\" needs a " + needed +
                      " namespace of the container's");
    }
  }
  std::string propagation = Get<std::string>(linux_config, "rootfsPropagation", "linux", "");
  if (!propagation.empty()) {
    spec.rootfs_propagation = Propagation(propagation);
    if (spec.rootfs_propagation == 0)
      throw SpecError("linux.rootfsPropagation \"" + propagation + "\" is not a propagation");
    // A shared root would carry the container's mounts into the host's table.
    if (spec.rootfs_propagation & MS_SHARED) {
      throw SpecError("linux.rootfsPropagation \"" + propagation +
                      "\": hostlet-runtime keeps the root private or slave");
    }
  }
  return spec;
}

}  // namespace

Spec ParseSpec(const json& config, const std::filesystem::path& bundle) {
  try {
    return ParseSpecFields(config, bundle);
  } catch (const json::exception& error) {
    // A section of the wrong shape (an object where a list belongs, say) that the checks above
    // do not name more precisely.
    throw SpecError(std::string("config.json has a section of the wrong type: ") + error.what());
  }
}

Spec LoadSpec(const std::filesystem::path& bundle) {
  std::ifstream in(bundle / "config.json");
  if (!in) throw SpecError((bundle / "config.json").string() + " cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  json config = json::parse(text.str(), nullptr, false);
  if (config.is_discarded())
    throw SpecError((bundle / "config.json").string() + " is not valid JSON");
  return ParseSpec(config, bundle);
}

}  // namespace hostlet::native
