// Method and path pattern to handler. A pattern is made of '/'-separated segments: a literal,
// "{name}" for one segment, or a final "{name...}" for the rest of the path (zero or more
// segments). Unknown paths answer 404 and known paths with another method 405, as Status objects.
#pragma once

#include "controlplane/apiserver/http_types.h"

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace hostlet::apiserver {

using PathParams = std::map<std::string, std::string>;
using Handler = std::function<Response(const Request&, const PathParams&)>;

// A JSON response carrying `error` as a Kubernetes Status.
struct ApiError;
Response ErrorResponse(const ApiError& error);

class Router {
 public:
  // `method` "*" matches every method. Routes are tried in the order added.
  void Add(const std::string& method, const std::string& pattern, Handler handler);

  // Runs before any route for every request: throwing an ApiException refuses the request
  // with that Status (authentication uses it).
  void SetGate(std::function<void(const Request&)> gate) { gate_ = std::move(gate); }

  // Never throws: a handler's exception becomes a 500 Status.
  Response Dispatch(const Request& request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  static bool Match(const Route& route, const std::vector<std::string>& path, PathParams* params);

  std::vector<Route> routes_;
  std::function<void(const Request&)> gate_;
};

}  // namespace hostlet::apiserver
