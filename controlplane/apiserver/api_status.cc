#include "controlplane/apiserver/api_status.h"

namespace hostlet::apiserver {

nlohmann::json ApiError::ToStatus() const {
  nlohmann::json status = {
      {"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
      {"status", "Failure"}, {"message", message}, {"reason", reason},
      {"code", code}};
  // Kubernetes leaves out empty details and empty detail fields.
  nlohmann::json detail = nlohmann::json::object();
  if (!details.name.empty()) detail["name"] = details.name;
  if (!details.group.empty()) detail["group"] = details.group;
  if (!details.kind.empty()) detail["kind"] = details.kind;
  if (!detail.empty()) status["details"] = detail;
  return status;
}

ApiError NotFound(const std::string& message, StatusDetails details) {
  return {404, "NotFound", message, std::move(details)};
}

ApiError MethodNotAllowed(const std::string& method, const std::string& path) {
  return {405, "MethodNotAllowed", method + " is not supported on " + path, {}};
}

ApiError ServiceUnavailable(const std::string& message, StatusDetails details) {
  return {503, "ServiceUnavailable", message, std::move(details)};
}

ApiError BadRequest(const std::string& message) { return {400, "BadRequest", message, {}}; }

ApiError InternalError(const std::string& message) { return {500, "InternalError", message, {}}; }

}  // namespace hostlet::apiserver
