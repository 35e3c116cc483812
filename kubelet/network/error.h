// Failures of network operations as the CNI spec reports them: a well-known code, a message and
// optional details. A plugin's own error keeps its code, message and details; the manager's own
// failures use the spec's codes too, so a caller handles both alike.
#pragma once

#include <hostlet/sdk/network_plugin.h>  // the spec's error codes (hostlet::CniErrorCode)

#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hostlet::network {

class Error : public std::runtime_error {
 public:
  Error(int code, const std::string& message, std::string details = {})
      : std::runtime_error(message), code_(code), details_(std::move(details)) {}

  int code() const { return code_; }
  const std::string& details() const { return details_; }

  // The same failure with `context` in front of its message, e.g. which plugin of a chain failed.
  Error WithContext(const std::string& context) const {
    return Error(code_, context + ": " + what(), details_);
  }

  // The spec's error object: {"cniVersion","code","msg"[,"details"]}.
  nlohmann::json ToJson(const std::string& cni_version) const;

 private:
  int code_;
  std::string details_;
};

// The spec's error object a plugin printed ({"code": int, "msg": string, "details"?: string}),
// or nullopt when `text` is not one.
std::optional<Error> ParseErrorJson(std::string_view text);

// At most `limit` bytes of `text` for an error message, marked when cut.
std::string Excerpt(std::string_view text, size_t limit = 200);

}  // namespace hostlet::network
