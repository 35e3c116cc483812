// Standard base64 (RFC 4648 with padding), as Kubernetes uses it for bytes in JSON, continue
// tokens and kubeconfig data.
#pragma once

#include <optional>
#include <string>

namespace hostlet::apiserver {

std::string Base64Encode(const std::string& bytes);

// Nothing when `text` is not valid base64.
std::optional<std::string> Base64Decode(const std::string& text);

}  // namespace hostlet::apiserver
