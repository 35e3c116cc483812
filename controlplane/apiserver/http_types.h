// A request as the handlers see it and the response they return, free of Boost.Beast types so
// handlers and their tests need no networking headers.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace hostlet::apiserver {

struct Request {
  std::string method;                          // "GET"
  std::string path;                            // without the query, percent-encoding kept
  std::string query;                           // after '?', or ""
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  // The header's value, or "" when absent.
  std::string Header(const std::string& lower_case_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Sent with Transfer-Encoding: chunked instead of Content-Length, as long-running answers
  // (watch) will be.
  bool chunked = false;
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace hostlet::apiserver
