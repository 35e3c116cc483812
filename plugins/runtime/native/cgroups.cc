#include "plugins/runtime/native/cgroups.h"

#include "plugins/runtime/native/spec.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace hostlet::native {
namespace {

using nlohmann::json;

bool Has(const Hierarchy& hierarchy, const std::string& controller) {
  for (const auto& name : hierarchy.controllers) {
    if (name == controller) return true;
  }
  return false;
}

const Hierarchy* Controller(const std::string& controller) {
  for (const auto& hierarchy : Hierarchies()) {
    if (Has(hierarchy, controller)) return &hierarchy;
  }
  return nullptr;
}

void WriteFile(const std::string& file, const std::string& value) {
  std::FILE* out = std::fopen(file.c_str(), "we");
  if (!out) throw std::runtime_error("opening " + file + ": " + std::strerror(errno));
  // One write: cgroup files take each write(2) as one value.
  bool ok = std::fwrite(value.data(), 1, value.size(), out) == value.size();
  ok = std::fflush(out) == 0 && ok;
  int error = errno;
  std::fclose(out);
  if (!ok)
    throw std::runtime_error("writing \"" + value + "\" to " + file + ": " + std::strerror(error));
}

std::string ReadFirstLine(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

// A devices rule as the v1 devices controller reads it: "c 1:3 rwm", "a *:* rwm".
std::string DeviceRule(const json& rule) {
  std::string type = rule.value("type", std::string("a"));
  auto number = [&](const char* key) {
    return rule.contains(key) && rule[key].is_number() && rule[key].get<int64_t>() >= 0
               ? std::to_string(rule[key].get<int64_t>())
               : std::string("*");
  };
  return type + " " + number("major") + ":" + number("minor") + " " +
         rule.value("access", std::string("rwm"));
}

// A cgroup directory and every directory below it, parents before their children.
std::vector<std::filesystem::path> TreeOf(const std::string& dir) {
  std::vector<std::filesystem::path> dirs = {dir};
  std::error_code missing;
  for (std::filesystem::recursive_directory_iterator it(dir, missing), end; !missing && it != end;
       it.increment(missing)) {
    std::error_code gone;  // removed while walking: nothing to collect there
    if (it->is_directory(gone)) dirs.push_back(it->path());
  }
  return dirs;
}

}  // namespace

const std::vector<Hierarchy>& Hierarchies() {
  static const std::vector<Hierarchy> hierarchies = [] {
    std::vector<Hierarchy> found;
    std::ifstream mountinfo("/proc/self/mountinfo");
    std::string line;
    while (std::getline(mountinfo, line)) {
      // "<id> <parent> <dev> <root> <mount point> <options> [optional...] - <type> <source> <super
      // options>"
      std::istringstream fields(line);
      std::string id, parent, device, root, mount_point;
      fields >> id >> parent >> device >> root >> mount_point;
      std::string field;
      while (fields >> field && field != "-") {
      }
      std::string type, source, options;
      fields >> type >> source >> options;
      if (type == "cgroup2") {
        found.push_back({mount_point, {}, true});
      } else if (type == "cgroup") {
        Hierarchy hierarchy{mount_point, {}, false};
        std::istringstream list(options);
        std::string option;
        while (std::getline(list, option, ',')) {
          if (option != "rw" && option != "ro" && option.find('=') == std::string::npos) {
            hierarchy.controllers.push_back(option);
          } else if (option.starts_with("name=")) {
            hierarchy.controllers.push_back(option);
          }
        }
        found.push_back(hierarchy);
      }
    }
    return found;
  }();
  return hierarchies;
}

ContainerCgroup::ContainerCgroup(std::string path) : path_(std::move(path)) {}

void ContainerCgroup::RefuseIfUnusable() const {
  bool any_v1 = false;
  for (const auto& hierarchy : Hierarchies()) any_v1 = any_v1 || !hierarchy.v2;
  if (!any_v1) {
    throw SpecError(
        "linux.cgroupsPath: this host has only cgroup v2, and hostlet-runtime enforces device "
        "rules with the v1 devices controller; use runc here");
  }
  if (!Pids().empty()) {
    throw std::runtime_error("cgroup " + path_ +
                             " already has processes: a container needs one of its own");
  }
}

void ContainerCgroup::Create() const {
  for (const auto& hierarchy : Hierarchies()) {
    std::filesystem::path dir = hierarchy.mount_point;
    std::filesystem::path relative = std::filesystem::path(path_).relative_path();
    for (const auto& part : relative) {
      std::filesystem::path parent = dir;
      dir /= part;
      if (mkdir(dir.c_str(), 0755) != 0) {
        if (errno == EEXIST) continue;
        throw std::runtime_error("creating cgroup " + dir.string() + ": " + std::strerror(errno));
      }
      if (Has(hierarchy, "cpuset")) {
        for (const char* file : {"/cpuset.cpus", "/cpuset.mems"}) {
          if (ReadFirstLine(dir.string() + file).empty())
            WriteFile(dir.string() + file, ReadFirstLine(parent.string() + file));
        }
      }
    }
  }
}

void ContainerCgroup::Join(pid_t pid) const {
  for (const auto& hierarchy : Hierarchies())
    WriteFile(DirIn(hierarchy) + "/cgroup.procs", std::to_string(pid));
}

void ContainerCgroup::Apply(const json& resources) const {
  if (!resources.is_object()) return;
  if (resources.contains("unified") && !resources["unified"].empty()) {
    throw SpecError(
        "linux.resources.unified: these keys need cgroup v2 controllers, and this host's are v1");
  }
  auto write = [&](const char* controller, const std::string& file, const std::string& value) {
    const Hierarchy* hierarchy = Controller(controller);
    if (!hierarchy)
      throw SpecError(std::string("linux.resources: the ") + controller +
                      " controller is not mounted");
    WriteFile(DirIn(*hierarchy) + "/" + file, value);
  };
  const json cpu = resources.value("cpu", json::object());
  if (cpu.contains("shares"))
    write("cpu", "cpu.shares", std::to_string(cpu["shares"].get<uint64_t>()));
  if (cpu.contains("period"))
    write("cpu", "cpu.cfs_period_us", std::to_string(cpu["period"].get<uint64_t>()));
  if (cpu.contains("quota"))
    write("cpu", "cpu.cfs_quota_us", std::to_string(cpu["quota"].get<int64_t>()));
  if (cpu.contains("cpus")) write("cpuset", "cpuset.cpus", cpu["cpus"].get<std::string>());
  if (cpu.contains("mems")) write("cpuset", "cpuset.mems", cpu["mems"].get<std::string>());
  const json memory = resources.value("memory", json::object());
  if (memory.contains("limit")) {
    const Hierarchy* hierarchy = Controller("memory");
    bool has_swap_file =
        hierarchy && std::filesystem::exists(DirIn(*hierarchy) + "/memory.memsw.limit_in_bytes");
    std::string limit = std::to_string(memory["limit"].get<int64_t>());
    if (memory.contains("swap") && has_swap_file) {
      // memsw must stay at or above the limit at every step: raise it first when it grows.
      std::string swap = std::to_string(memory["swap"].get<int64_t>());
      try {
        write("memory", "memory.limit_in_bytes", limit);
        write("memory", "memory.memsw.limit_in_bytes", swap);
      } catch (const std::runtime_error&) {
        write("memory", "memory.memsw.limit_in_bytes", swap);
        write("memory", "memory.limit_in_bytes", limit);
      }
    } else {
      write("memory", "memory.limit_in_bytes", limit);
    }
  }
  if (memory.contains("reservation")) {
    write("memory", "memory.soft_limit_in_bytes",
          std::to_string(memory["reservation"].get<int64_t>()));
  }
  const json pids = resources.value("pids", json::object());
  // 0 leaves the limit as it is, as with runc; a negative one means none.
  if (pids.contains("limit") && pids["limit"].get<int64_t>() != 0) {
    int64_t limit = pids["limit"].get<int64_t>();
    write("pids", "pids.max", limit > 0 ? std::to_string(limit) : "max");
  }
  if (resources.contains("devices")) {
    for (const auto& rule : resources["devices"]) {
      write("devices", rule.value("allow", false) ? "devices.allow" : "devices.deny",
            DeviceRule(rule));
    }
    // The devices every container's /dev gets stay usable whatever the rules say, as with runc:
    // /dev/null, zero, full, random, urandom, tty, ptmx and the pseudo-terminals.
    for (const char* rule : {"c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                             "c 5:0 rwm", "c 5:2 rwm", "c 136:* rwm"}) {
      write("devices", "devices.allow", rule);
    }
  }
}

std::vector<pid_t> ContainerCgroup::Pids() const {
  std::vector<pid_t> pids;
  const Hierarchy* hierarchy = Controller("pids");
  if (!hierarchy) hierarchy = Controller("memory");
  if (!hierarchy && !Hierarchies().empty()) hierarchy = &Hierarchies().front();
  if (!hierarchy) return pids;
  // The container's own cgroup and any it made below it (a privileged container may).
  for (const auto& dir : TreeOf(DirIn(*hierarchy))) {
    std::ifstream in(dir / "cgroup.procs");
    pid_t pid;
    while (in >> pid) pids.push_back(pid);
  }
  return pids;
}

bool ContainerCgroup::Remove() const {
  bool all_gone = true;
  for (const auto& hierarchy : Hierarchies()) {
    // Deepest first: cgroups the container made below its own go before it.
    std::vector<std::filesystem::path> dirs = TreeOf(DirIn(hierarchy));
    for (auto dir = dirs.rbegin(); dir != dirs.rend(); ++dir) {
      // A killed process leaves its cgroup a moment after it is reaped.
      for (int attempt = 0; rmdir(dir->c_str()) != 0; ++attempt) {
        if (errno == ENOENT) break;
        if (errno != EBUSY || attempt == 100) {
          all_gone = false;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }
  return all_gone;
}

}  // namespace hostlet::native
