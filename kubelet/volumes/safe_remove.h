// Removing a pod's directory without ever leaving it: a container can put a symlink to / in an
// emptyDir, and a mount nobody unmounted would have its contents (a hostPath bind, say) deleted.
#pragma once

#include <filesystem>

namespace hostlet::agent {

// Removes `path` and everything below it. Symlinks are removed, never followed; a directory on
// another filesystem than `path` itself (a mount point) stops the removal with an error before
// anything inside it is touched. Missing `path` is fine. Throws std::filesystem::filesystem_error.
void RemoveTreeNoFollow(const std::filesystem::path& path);

}  // namespace hostlet::agent
