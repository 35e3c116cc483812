// A container's cgroup: its directory in every mounted hierarchy (cgroup v1 controllers, and
// the v2 hierarchy beside them on hybrid hosts), the resource limits written into it, and the
// processes found in it.
#pragma once

#include <sys/types.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace hostlet::native {

struct Hierarchy {
  std::string mount_point;               // /sys/fs/cgroup/memory
  std::vector<std::string> controllers;  // memory; name=systemd; empty for v2
  bool v2 = false;
};

// The cgroup hierarchies mounted on this host, from /proc/self/mountinfo.
const std::vector<Hierarchy>& Hierarchies();

class ContainerCgroup {
 public:
  // `path` is the spec's cgroupsPath ("/kubepods/besteffort/pod<uid>/<id>").
  explicit ContainerCgroup(std::string path);

  // Throws, before anything is made, if this host's cgroups cannot serve (only v2) or the
  // cgroup already holds processes: everything in a container's cgroup is the container's, to be
  // killed with it.
  void RefuseIfUnusable() const;
  // Creates the directory (and its parents) in every hierarchy; new cpuset directories get
  // their parent's CPUs and memory nodes, without which nothing can join them. Throws
  // std::runtime_error naming the directory.
  void Create() const;
  // Moves `pid` into the cgroup in every hierarchy. Throws std::runtime_error.
  void Join(pid_t pid) const;
  // Writes linux.resources (cpu, memory, pids, devices) into the controllers' files. Throws
  // std::runtime_error naming the file and the value, or SpecError for what this host's
  // cgroups cannot express.
  void Apply(const nlohmann::json& resources) const;
  // The processes in the cgroup (empty when it does not exist).
  std::vector<pid_t> Pids() const;
  // Removes the container's own directory from every hierarchy (its parents are the pod's),
  // waiting briefly for exiting processes to leave. Returns false if some directory stays.
  bool Remove() const;

  std::string DirIn(const Hierarchy& hierarchy) const { return hierarchy.mount_point + path_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace hostlet::native
