// The admin kubeconfig hostlet-server writes for kubectl.
#pragma once

#include <filesystem>
#include <string>

namespace hostlet::apiserver {

// A kubeconfig with one cluster at `server_url` ("https://127.0.0.1:6443") trusting `ca_pem`,
// a user with a bearer `token` and a current context joining them. Plain HTTP has neither CA
// nor token (kubectl sends no token over it).
std::string AdminKubeconfig(const std::string& server_url, const std::string& ca_pem,
                            const std::string& token);

// Writes `content` to `path` with mode 0600, atomically: a reader sees the whole file or none.
// Throws std::runtime_error naming the path and the reason.
void WriteFileAtomically(const std::filesystem::path& path, const std::string& content);

}  // namespace hostlet::apiserver
