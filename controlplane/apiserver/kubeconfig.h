// The admin kubeconfig hostlet-server writes for kubectl.
#pragma once

#include <filesystem>
#include <string>

namespace hostlet::apiserver {

// A kubeconfig with one cluster at `server_url` ("http://127.0.0.1:6443"), a user without
// credentials (the server has no authentication yet) and a current context joining them.
std::string AdminKubeconfig(const std::string& server_url);

// Writes `content` to `path` with mode 0600, atomically: a reader sees the whole file or none.
// Throws std::runtime_error naming the path and the reason.
void WriteFileAtomically(const std::filesystem::path& path, const std::string& content);

}  // namespace hostlet::apiserver
