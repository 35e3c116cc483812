#include "controlplane/apiserver/kubeconfig.h"

#include "controlplane/apiserver/base64.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace hostlet::apiserver {

std::string AdminKubeconfig(const std::string& server_url, const std::string& ca_pem,
                            const std::string& token) {
  std::string authority;
  if (!ca_pem.empty()) {
    authority = "    certificate-authority-data: " + Base64Encode(ca_pem) + "\n";
  }
  return "apiVersion: v1\n"
         "kind: Config\n"
         "clusters:\n"
         "- name: hostlet\n"
         "  cluster:\n" +
         authority + "    server: " + server_url +
         "\n"
         "users:\n"
         "- name: admin\n"
         "  user:" +
         (token.empty() ? std::string(" {}\n") : "\n    token: " + token + "\n") +
         ""
         "contexts:\n"
         "- name: admin@hostlet\n"
         "  context:\n"
         "    cluster: hostlet\n"
         "    user: admin\n"
         "current-context: admin@hostlet\n";
}

void WriteFileAtomically(const std::filesystem::path& path, const std::string& content) {
  auto fail = [&](const std::string& what) {
    throw std::runtime_error("cannot write " + path.string() + ": " + what + ": " +
                             std::strerror(errno));
  };
  std::string temporary = path.string() + ".tmp";
  int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail("open " + temporary);
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(fd);
      unlink(temporary.c_str());
      fail("write");
    }
    written += static_cast<size_t>(n);
  }
  bool synced = fsync(fd) == 0;
  if (close(fd) != 0 || !synced) {
    unlink(temporary.c_str());
    fail("sync");
  }
  if (rename(temporary.c_str(), path.c_str()) != 0) {
    unlink(temporary.c_str());
    fail("rename");
  }
}

}  // namespace hostlet::apiserver
