#include "controlplane/apiserver/base64.h"

#include <boost/beast/core/detail/base64.hpp>

namespace hostlet::apiserver {

namespace b64 = boost::beast::detail::base64;

std::string Base64Encode(const std::string& bytes) {
  std::string out(b64::encoded_size(bytes.size()), '\0');
  out.resize(b64::encode(out.data(), bytes.data(), bytes.size()));
  return out;
}

std::optional<std::string> Base64Decode(const std::string& text) {
  // The decoder stops at the padding; everything before it must be consumed.
  size_t length = text.find_last_not_of('=') + 1;
  if (text.size() - length > 2) return std::nullopt;
  std::string out(b64::decoded_size(text.size()), '\0');
  auto [written, read] = b64::decode(out.data(), text.data(), text.size());
  if (read < length) return std::nullopt;
  out.resize(written);
  return out;
}

}  // namespace hostlet::apiserver
