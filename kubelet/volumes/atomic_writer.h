// Writes the files of a configMap, secret or downwardAPI volume so that a reader never sees half
// an update, the kubelet's AtomicWriter layout:
//
//   <dir>/..2024_05_01_12_00_00.AbC123/<path>   the files of one version
//   <dir>/..data -> ..2024_05_01_12_00_00.AbC123 swapped by rename(2), which is atomic
//   <dir>/<first path element> -> ..data/<first path element>
//
// A reader that follows <dir>/key resolves ..data once, so it sees one version or the other.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace hostlet::agent {

struct FileProjection {
  std::string data;
  unsigned mode = 0644;

  bool operator==(const FileProjection&) const = default;
};

// Relative path (may contain '/') -> contents.
using Payload = std::map<std::string, FileProjection>;

// Throws PodConfigError when `path` could leave the volume or collide with the writer's own names:
// empty, absolute, a ".." element, or a first element starting with "..".
void ValidatePayloadPath(const std::string& path);

// Makes `dir` (created when missing) show exactly `payload`. Does nothing when it already does,
// so calling it on every sync costs one read of the current files. Throws std::runtime_error
// (std::filesystem::filesystem_error) on I/O failures, PodConfigError for a bad path.
void WriteAtomically(const std::filesystem::path& dir, const Payload& payload);

}  // namespace hostlet::agent
