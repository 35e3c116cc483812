// hostPath volumes: the path is used in place; its `type` is checked (and for the *OrCreate
// types, made) before any container sees it, as the kubelet's hostPath type checker does.
#pragma once

#include <string>

namespace hostlet::agent {

// "" (no check), DirectoryOrCreate (made with mode 0755 and its parents when missing),
// Directory, FileOrCreate (an empty 0644 file; its directory must exist), File, Socket,
// CharDevice, BlockDevice. A failed check is a PodConfigError naming the volume.
void CheckHostPath(const std::string& volume, const std::string& path, const std::string& type);

}  // namespace hostlet::agent
