// The few mount operations volumes need: tmpfs for memory-backed emptyDirs, and finding and
// undoing whatever is mounted under a pod's directory. Mount points come from
// /proc/self/mountinfo, the one list that also shows mounts made by an earlier agent process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

namespace hostlet::agent {

// Mount points at `dir` or below it, deepest first (so unmounting in this order never finds a
// mount busy with one stacked inside it). `dir` should be canonical, as mountinfo's paths are.
std::vector<std::filesystem::path> MountPointsUnder(const std::filesystem::path& dir);

// Whether `dir` itself is a mount point.
bool IsMountPoint(const std::filesystem::path& dir);

// Mounts a tmpfs on `dir` (mode 0777 like every emptyDir; `size_bytes` when given, else tmpfs's
// default of half the RAM). Throws std::system_error.
void MountTmpfs(const std::filesystem::path& dir, std::optional<std::int64_t> size_bytes);

// Unmounts `dir`: a plain umount first, then a lazy detach (MNT_DETACH) when it is busy, so a
// process still holding a file open there cannot keep the pod from being cleaned up. Throws
// std::system_error when neither works.
void Unmount(const std::filesystem::path& dir);

}  // namespace hostlet::agent
