#include "controlplane/apiserver/router.h"

#include "controlplane/apiserver/api_status.h"

#include <exception>

namespace hostlet::apiserver {
namespace {

// "/apis/apps/v1/" and "/apis/apps/v1" are the same path; empty segments are dropped.
std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

bool IsRest(const std::string& segment) {
  return segment.size() > 5 && segment.front() == '{' && segment.ends_with("...}");
}

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

std::string Request::Header(const std::string& lower_case_name) const {
  auto found = headers.find(lower_case_name);
  return found == headers.end() ? "" : found->second;
}

Response ErrorResponse(const ApiError& error) {
  Response response;
  response.status = error.code;
  response.body = error.ToStatus().dump();
  return response;
}

void Router::Add(const std::string& method, const std::string& pattern, Handler handler) {
  routes_.push_back({method, Segments(pattern), std::move(handler)});
}

bool Router::Match(const Route& route, const std::vector<std::string>& path, PathParams* params) {
  params->clear();
  for (size_t i = 0; i < route.segments.size(); ++i) {
    const auto& segment = route.segments[i];
    if (IsRest(segment)) {
      std::string rest;
      for (size_t j = i; j < path.size(); ++j) rest += (j > i ? "/" : "") + path[j];
      (*params)[segment.substr(1, segment.size() - 5)] = rest;
      return true;
    }
    if (i >= path.size()) return false;
    if (IsParam(segment)) {
      (*params)[segment.substr(1, segment.size() - 2)] = path[i];
    } else if (segment != path[i]) {
      return false;
    }
  }
  return route.segments.size() == path.size();
}

Response Router::Dispatch(const Request& request) const {
  if (gate_) {
    try {
      gate_(request);
    } catch (const ApiException& error) {
      return ErrorResponse(error.error());
    }
  }
  auto path = Segments(request.path);
  bool path_known = false;
  PathParams params;
  for (const auto& route : routes_) {
    if (!Match(route, path, &params)) continue;
    if (route.method != "*" && route.method != request.method) {
      path_known = true;
      continue;
    }
    try {
      return route.handler(request, params);
    } catch (const ApiException& error) {
      return ErrorResponse(error.error());
    } catch (const std::exception& error) {
      return ErrorResponse(InternalError(error.what()));
    }
  }
  if (path_known) return ErrorResponse(MethodNotAllowed(request.method, request.path));
  return ErrorResponse(
      NotFound("the server could not find the requested resource " + request.path));
}

}  // namespace hostlet::apiserver
