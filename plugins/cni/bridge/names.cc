#include "plugins/cni/bridge/names.h"

#include <openssl/sha.h>

#include <cstdio>

namespace hostlet::bridge {
namespace {

std::string Sha512Hex(const std::string& text, size_t digits) {
  unsigned char digest[SHA512_DIGEST_LENGTH];
  SHA512(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex;
  char pair[3];
  for (size_t i = 0; i < sizeof(digest) && hex.size() < digits; ++i) {
    std::snprintf(pair, sizeof(pair), "%02x", digest[i]);
    hex += pair;
  }
  return hex.substr(0, digits);
}

}  // namespace

std::string HostVethName(const std::string& container_id, const std::string& if_name) {
  // '/' cannot occur in either part, so the joined text is unambiguous.
  return "veth" + Sha512Hex(container_id + "/" + if_name, 11);
}

std::string MasqChainName(const std::string& network, const std::string& container_id) {
  return "CNI-" + Sha512Hex(network + container_id, 24);
}

std::string MasqComment(const std::string& network, const std::string& container_id) {
  return "name: \"" + network + "\" id: \"" + container_id + "\"";
}

}  // namespace hostlet::bridge
