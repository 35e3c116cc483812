#include "controlplane/apiserver/token_auth.h"

#include "controlplane/apiserver/kubeconfig.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cctype>
#include <fstream>
#include <stdexcept>

namespace hostlet::apiserver {
namespace {

std::array<unsigned char, 32> Digest(const std::string& token) {
  std::array<unsigned char, 32> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest.data());
  return digest;
}

std::string Trim(const std::string& text) {
  auto begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  auto end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

// Splits a CSV line: fields are separated by commas outside double quotes; "" inside quotes
// is a literal quote. Returns false on an unterminated quote.
bool SplitCsv(const std::string& line, std::vector<std::string>* fields) {
  fields->assign(1, "");
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields->back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields->back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields->emplace_back();
    } else {
      fields->back() += c;
    }
  }
  return !quoted;
}

}  // namespace

std::string TokenAuthenticator::LoadFile(const std::filesystem::path& path) {
  std::string first_token;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the token file " + path.string());
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    auto where = [&] { return path.string() + ":" + std::to_string(number) + ": "; };
    if (Trim(line).empty() || Trim(line).front() == '#') continue;
    std::vector<std::string> fields;
    if (!SplitCsv(line, &fields)) throw std::runtime_error(where() + "unterminated quote");
    if (fields.size() < 3 || fields.size() > 4) {
      throw std::runtime_error(where() + "expected token,user,uid[,\"group,...\"], found " +
                               std::to_string(fields.size()) + " fields");
    }
    for (auto& field : fields) field = Trim(field);
    if (fields[0].empty()) throw std::runtime_error(where() + "the token is empty");
    if (fields[1].empty()) throw std::runtime_error(where() + "the user name is empty");
    UserInfo user{fields[1], fields[2], {}};
    if (fields.size() == 4) {
      std::vector<std::string> groups;
      SplitCsv(fields[3], &groups);
      for (auto& group : groups) {
        if (!Trim(group).empty()) user.groups.push_back(Trim(group));
      }
    }
    if (!users_.emplace(Digest(fields[0]), std::move(user)).second) {
      throw std::runtime_error(where() + "this token is already given to another entry");
    }
    if (first_token.empty()) first_token = fields[0];
  }
  return first_token;
}

TokenAuthenticator::Outcome TokenAuthenticator::Authenticate(const Request& request,
                                                             UserInfo* user) const {
  std::string header = request.Header("authorization");
  if (header.empty()) return Outcome::kAnonymous;
  // The scheme is case-insensitive (RFC 9110); kubectl sends "Bearer".
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return Outcome::kRejected;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) {
      return Outcome::kRejected;
    }
  }
  auto found = users_.find(Digest(Trim(header.substr(kScheme.size()))));
  if (found == users_.end()) return Outcome::kRejected;
  if (user != nullptr) *user = found->second;
  return Outcome::kAuthenticated;
}

std::string EnsureAdminTokenFile(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    unsigned char random[32];
    if (RAND_bytes(random, sizeof random) != 1) {
      throw std::runtime_error("cannot draw random bytes for the admin token");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string token;
    for (unsigned char byte : random) {
      token += kHex[byte >> 4];
      token += kHex[byte & 15];
    }
    WriteFileAtomically(path, token + ",admin,admin,\"system:masters\"\n");
  }
  // The first entry is the admin's: the file is ours, but an admin may have added users.
  std::string token = TokenAuthenticator().LoadFile(path);
  if (token.empty()) throw std::runtime_error(path.string() + " holds no token");
  return token;
}

bool IsPublicPath(const std::string& path) {
  // Only plain paths: nothing that a router or a proxy in front could read as another path.
  if (path.find("//") != std::string::npos || path.find('%') != std::string::npos ||
      path.find('.') != std::string::npos) {
    return false;
  }
  for (const char* prefix : {"/healthz", "/livez", "/readyz"}) {
    std::string_view rest(path);
    if (!rest.starts_with(prefix)) continue;
    rest.remove_prefix(std::string_view(prefix).size());
    if (rest.empty() || rest.front() == '/') return true;
  }
  return path == "/version" || path == "/version/";
}

}  // namespace hostlet::apiserver
