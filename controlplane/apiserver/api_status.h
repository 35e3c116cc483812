// Errors as Kubernetes reports them: a meta/v1 Status object and the HTTP code it carries.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace hostlet::apiserver {

struct StatusDetails {
  std::string name;
  std::string group;
  std::string kind;
};

struct ApiError {
  int code;            // the HTTP status
  std::string reason;  // a metav1.StatusReason: "NotFound", "ServiceUnavailable", ...
  std::string message;
  StatusDetails details;

  nlohmann::json ToStatus() const;
};

ApiError NotFound(const std::string& message, StatusDetails details = {});
ApiError MethodNotAllowed(const std::string& method, const std::string& path);
ApiError ServiceUnavailable(const std::string& message, StatusDetails details = {});
ApiError BadRequest(const std::string& message);
ApiError InternalError(const std::string& message);

}  // namespace hostlet::apiserver
