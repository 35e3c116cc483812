#include "controlplane/apiserver/listen_address.h"

#include <charconv>
#include <stdexcept>

namespace hostlet::apiserver {

boost::asio::ip::tcp::endpoint ParseListenAddress(const std::string& text, Transport transport) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    throw std::invalid_argument("listen address \"" + text + "\" is not HOST:PORT");
  }
  std::string host = text.substr(0, colon);
  std::string port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    throw std::invalid_argument("listen address \"" + text + "\": port \"" + port_text +
                                "\" is not a number from 0 to 65535");
  }
  boost::system::error_code parse_error;
  auto address = boost::asio::ip::make_address(host, parse_error);
  if (parse_error) {
    throw std::invalid_argument("listen address \"" + text + "\": \"" + host +
                                "\" is not an IP address (host names are not resolved)");
  }
  if (transport == Transport::kPlainHttp && !address.is_loopback()) {
    throw std::invalid_argument("listen address \"" + text +
                                "\" is not a loopback address: plain HTTP is served on loopback "
                                "only (leave out --insecure-http to serve HTTPS anywhere)");
  }
  return {address, static_cast<unsigned short>(port)};
}

std::string FormatAuthority(const boost::asio::ip::tcp::endpoint& endpoint) {
  std::string host = endpoint.address().to_string();
  if (endpoint.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

}  // namespace hostlet::apiserver
