// Bearer-token authentication from static token files in kube-apiserver's --token-auth-file
// format: one user per line, "token,user name,uid" and optionally a quoted, comma-separated
// group list ("token,admin,admin-uid,\"system:masters,dev\""). Blank lines and lines starting
// with '#' are ignored.
#pragma once

#include "controlplane/apiserver/http_types.h"

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hostlet::apiserver {

struct UserInfo {
  std::string name;
  std::string uid;
  std::vector<std::string> groups;
};

class TokenAuthenticator {
 public:
  // Adds the users of `path` and returns the first one's token ("" for a file without
  // entries); throws std::runtime_error naming the file and line of a malformed entry or a
  // token given twice.
  std::string LoadFile(const std::filesystem::path& path);

  enum class Outcome { kAnonymous, kAuthenticated, kRejected };
  // kAnonymous when the request carries no bearer token; kRejected when it carries one that
  // is unknown (or a malformed Authorization header).
  Outcome Authenticate(const Request& request, UserInfo* user) const;

  std::size_t size() const { return users_.size(); }

 private:
  // Keyed by the token's SHA-256, so that looking a token up takes the same time whatever
  // prefix of a real token it shares, and the tokens themselves are not kept in memory.
  std::map<std::array<unsigned char, 32>, UserInfo> users_;
};

// The admin's token in `path`, creating the file (mode 0600) with a fresh random token for
// user "admin" in group system:masters when it does not exist.
std::string EnsureAdminTokenFile(const std::filesystem::path& path);

// Requests anyone may make without credentials, as kube-apiserver's default RBAC allows for
// anonymous users: the health checks and /version.
bool IsPublicPath(const std::string& path);

}  // namespace hostlet::apiserver
