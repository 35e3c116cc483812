// The --listen address: "HOST:PORT" or "[IPv6]:PORT" with a literal IP. Plain HTTP carries
// tokens and secrets in the clear, so it is allowed on loopback addresses only.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <string>

namespace hostlet::apiserver {

enum class Transport { kHttps, kPlainHttp };

// Throws std::invalid_argument with the reason when `text` is malformed, or not loopback for
// plain HTTP.
boost::asio::ip::tcp::endpoint ParseListenAddress(const std::string& text, Transport transport);

// "127.0.0.1:6443" or "[::1]:6443", as a URL's authority.
std::string FormatAuthority(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace hostlet::apiserver
