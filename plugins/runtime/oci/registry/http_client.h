// A small blocking HTTP/1.1 client (Boost.Beast; HTTPS through OpenSSL with the system's CA
// certificates and host name verification) for talking to image registries.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hostlet::oci {

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;
  std::string port;
  std::string target;  // path and query
  static std::optional<Url> Parse(const std::string& text);
  std::string Origin() const { return scheme + "://" + host + ":" + port; }
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;                             // empty when streamed to a sink
  std::string Header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? "" : found->second;
  }
};

struct HttpRequest {
  std::string method = "GET";
  Url url;
  std::map<std::string, std::string> headers;
  std::string body;
  // When set, a 2xx body goes here chunk by chunk instead of into HttpResponse::body.
  std::function<void(const char*, size_t)> body_sink;
};

class HttpClient {
 public:
  // HTTPS trusts the system's CA certificates plus those in `ca_files` (PEM).
  explicit HttpClient(std::chrono::seconds timeout = std::chrono::seconds(60),
                      std::vector<std::string> ca_files = {})
      : timeout_(timeout), ca_files_(std::move(ca_files)) {}
  // Follows up to 5 redirects (dropping Authorization when the origin changes). Throws
  // std::runtime_error on connection, TLS or protocol failures.
  HttpResponse Send(HttpRequest request) const;

 private:
  HttpResponse SendOnce(const HttpRequest& request) const;
  std::chrono::seconds timeout_;
  std::vector<std::string> ca_files_;
};

}  // namespace hostlet::oci
