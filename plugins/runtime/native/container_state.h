// What hostlet-runtime remembers of a container between its commands: one directory per
// container under the runtime's root (--root), holding state.json.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace hostlet::native {

struct ContainerState {
  std::string id;
  pid_t pid = 0;
  uint64_t start_time = 0;  // the process's start in clock ticks since boot, against PID reuse
  std::filesystem::path bundle;
  std::string cgroups_path;
  int64_t created = 0;  // nanoseconds since the epoch

  // True while the recorded process (and not a later one with its PID) is alive.
  bool Running() const;
};

// Throws std::invalid_argument for an ID that is empty or could name another path.
void CheckId(const std::string& id);

// The start time field of /proc/<pid>/stat; 0 when the process is gone or a zombie.
uint64_t ProcessStartTime(pid_t pid);

std::filesystem::path StateDir(const std::filesystem::path& root, const std::string& id);
void SaveState(const std::filesystem::path& root, const ContainerState& state);
// Throws std::runtime_error "container \"<id>\" does not exist".
ContainerState LoadState(const std::filesystem::path& root, const std::string& id);

}  // namespace hostlet::native
