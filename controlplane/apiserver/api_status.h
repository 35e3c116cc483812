// Errors as Kubernetes reports them: a meta/v1 Status object and the HTTP code it carries.
#pragma once

#include <nlohmann/json.hpp>

#include <exception>
#include <string>
#include <vector>

namespace hostlet::apiserver {

// One reason a request was invalid, as metav1.StatusCause: which field, what is wrong with it.
struct StatusCause {
  std::string reason;  // "FieldValueRequired", "FieldValueInvalid", ...
  std::string message;
  std::string field;  // "spec.containers[0].image"
};

struct StatusDetails {
  std::string name;
  std::string group;
  std::string kind;
  std::vector<StatusCause> causes;
};

struct ApiError {
  int code;            // the HTTP status
  std::string reason;  // a metav1.StatusReason: "NotFound", "ServiceUnavailable", ...
  std::string message;
  StatusDetails details;

  nlohmann::json ToStatus() const;
};

// An ApiError thrown from deep inside a handler; the router answers it as its Status.
class ApiException : public std::exception {
 public:
  explicit ApiException(ApiError error) : error_(std::move(error)) {}
  const ApiError& error() const { return error_; }
  const char* what() const noexcept override { return error_.message.c_str(); }

 private:
  ApiError error_;
};

ApiError NotFound(const std::string& message, StatusDetails details = {});
ApiError MethodNotAllowed(const std::string& method, const std::string& path);
ApiError ServiceUnavailable(const std::string& message, StatusDetails details = {});
ApiError BadRequest(const std::string& message);
ApiError InternalError(const std::string& message);
ApiError UnsupportedMediaType(const std::string& content_type);
ApiError NotAcceptable(const std::string& message);
// 401: no credentials where they are needed, or credentials no one was given.
ApiError Unauthorized();

// The errors of one object, worded as the Kubernetes apiserver words them. `resource` is the
// plural resource name ("pods"), `group` its API group.
ApiError ObjectNotFound(const std::string& group, const std::string& resource,
                        const std::string& name);
ApiError AlreadyExists(const std::string& group, const std::string& resource,
                       const std::string& name);
ApiError Conflict(const std::string& group, const std::string& resource, const std::string& name,
                  const std::string& why);
// 422: `kind` is the object's kind ("Pod"), each cause names a field.
ApiError Invalid(const std::string& group, const std::string& kind, const std::string& name,
                 std::vector<StatusCause> causes);
// 410: a watch or list at a revision that has been compacted away.
ApiError Expired(const std::string& message);

}  // namespace hostlet::apiserver
