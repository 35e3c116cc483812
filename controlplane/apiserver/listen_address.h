// The --listen address: "HOST:PORT" or "[IPv6]:PORT" with a literal IP. Until the server speaks
// TLS it serves plain HTTP, so only loopback addresses are accepted.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <string>

namespace hostlet::apiserver {

// Throws std::invalid_argument with the reason when `text` is malformed or not loopback.
boost::asio::ip::tcp::endpoint ParseListenAddress(const std::string& text);

// "127.0.0.1:6443" or "[::1]:6443", as a URL's authority.
std::string FormatAuthority(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace hostlet::apiserver
