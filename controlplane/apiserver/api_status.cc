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
  for (const auto& cause : details.causes) {
    nlohmann::json entry = nlohmann::json::object();
    if (!cause.reason.empty()) entry["reason"] = cause.reason;
    if (!cause.message.empty()) entry["message"] = cause.message;
    if (!cause.field.empty()) entry["field"] = cause.field;
    detail["causes"].push_back(std::move(entry));
  }
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

ApiError UnsupportedMediaType(const std::string& content_type) {
  return {415,
          "UnsupportedMediaType",
          "the body of the request was in an unknown format - " +
              (content_type.empty() ? "(none)" : content_type) +
              "; accepted media types include: application/json, "
              "application/vnd.kubernetes.protobuf",
          {}};
}

ApiError NotAcceptable(const std::string& message) { return {406, "NotAcceptable", message, {}}; }

ApiError Unauthorized() { return {401, "Unauthorized", "Unauthorized", {}}; }

namespace {

// "pods" in the core group, "deployments.apps" in a named one, as Kubernetes qualifies them.
std::string Qualified(const std::string& group, const std::string& resource) {
  return group.empty() ? resource : resource + "." + group;
}

}  // namespace

ApiError ObjectNotFound(const std::string& group, const std::string& resource,
                        const std::string& name) {
  return {404,
          "NotFound",
          Qualified(group, resource) + " \"" + name + "\" not found",
          {name, group, resource, {}}};
}

ApiError AlreadyExists(const std::string& group, const std::string& resource,
                       const std::string& name) {
  return {409,
          "AlreadyExists",
          Qualified(group, resource) + " \"" + name + "\" already exists",
          {name, group, resource, {}}};
}

ApiError Conflict(const std::string& group, const std::string& resource, const std::string& name,
                  const std::string& why) {
  return {409,
          "Conflict",
          "Operation cannot be fulfilled on " + Qualified(group, resource) + " \"" + name +
              "\": " + why,
          {name, group, resource, {}}};
}

ApiError Invalid(const std::string& group, const std::string& kind, const std::string& name,
                 std::vector<StatusCause> causes) {
  std::string message =
      (group.empty() ? kind : kind + "." + group) + " \"" + name + "\" is invalid: ";
  if (causes.size() > 1) message += "[";
  for (size_t i = 0; i < causes.size(); ++i) {
    if (i > 0) message += ", ";
    message += causes[i].field + ": " + causes[i].message;
  }
  if (causes.size() > 1) message += "]";
  return {422, "Invalid", message, {name, group, kind, std::move(causes)}};
}

ApiError Expired(const std::string& message) { return {410, "Expired", message, {}}; }

}  // namespace hostlet::apiserver
