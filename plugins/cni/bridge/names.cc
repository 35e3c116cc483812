#include "plugins/cni/bridge/names.h"

#include <hostlet/sdk/network_plugin.h>

#include <openssl/evp.h>

#include <cstdio>

namespace hostlet::bridge {
namespace {

// OpenSSL 3's one-shot SHA512() looks the algorithm up among its providers on every call, which
// costs as much as the digest of a name itself; fetched once, it is only the digest.
const EVP_MD* Sha512() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  if (md == nullptr) throw CniError(kCniPluginFailure, "OpenSSL offers no SHA-512");
  return md;
}

std::string Sha512Hex(const std::string& text, size_t digits) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  if (EVP_Digest(text.data(), text.size(), digest, nullptr, Sha512(), nullptr) != 1) {
    throw CniError(kCniPluginFailure, "SHA-512 failed");
  }
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
