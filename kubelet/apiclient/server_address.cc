#include "kubelet/apiclient/server_address.h"

#include <boost/asio/ip/address.hpp>

#include <stdexcept>

namespace hostlet::apiclient::detail {

ServerAddress ParseServerAddress(const std::string& url) {
  auto fail = [&](const std::string& what) {
    throw std::invalid_argument("server URL \"" + url + "\": " + what);
  };
  ServerAddress address;
  std::string rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    address.tls = false;
    rest = url.substr(7);
  } else {
    fail("not an http:// or https:// URL");
  }
  std::string authority = rest.substr(0, rest.find('/'));
  if (authority.size() < rest.size()) address.base_path = rest.substr(authority.size());
  while (address.base_path.ends_with('/')) address.base_path.pop_back();
  if (authority.find('@') != std::string::npos)
    fail("user information in the URL is not supported");

  size_t port_colon = std::string::npos;
  if (authority.starts_with('[')) {  // [IPv6]:port
    size_t close = authority.find(']');
    if (close == std::string::npos) fail("unterminated [ in the host");
    address.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') fail("unexpected text after ]");
      port_colon = close + 1;
    }
  } else {
    port_colon = authority.find(':');
    address.host = authority.substr(0, port_colon);
  }
  if (address.host.empty()) fail("no host");
  address.port = address.tls ? "443" : "80";
  if (port_colon != std::string::npos) {
    address.port = authority.substr(port_colon + 1);
    if (address.port.empty() || address.port.size() > 5 ||
        address.port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(address.port) > 65535) {
      fail("bad port");
    }
  }
  boost::system::error_code not_ip;
  boost::asio::ip::address ip = boost::asio::ip::make_address(address.host, not_ip);
  address.host_is_ip = !not_ip;
  std::string host = address.host_is_ip && ip.is_v6() ? "[" + address.host + "]" : address.host;
  address.host_header = port_colon == std::string::npos ? host : host + ":" + address.port;
  return address;
}

}  // namespace hostlet::apiclient::detail
