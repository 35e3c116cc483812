// The parts of a kubeconfig's server URL a connection needs.
#pragma once

#include <string>

namespace hostlet::apiclient::detail {

struct ServerAddress {
  bool tls = true;
  std::string host;         // a name or an IP address, without brackets
  std::string port;         // "443" or "80" when the URL names none
  bool host_is_ip = false;  // no SNI for addresses; their certificates carry IP SANs
  std::string host_header;  // host[:port] as the Host header wants it
  std::string base_path;    // "" or "/prefix", for a server behind a path-routing proxy
};

// Throws std::invalid_argument on a URL that is not http(s)://host[:port][/path].
ServerAddress ParseServerAddress(const std::string& url);

}  // namespace hostlet::apiclient::detail
