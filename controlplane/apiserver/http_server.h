// HTTP/1.1 on Boost.Beast, over TLS or plain TCP: keep-alive connections, each on its own
// strand, served by a small pool of threads sharing one io_context. Every request goes to the
// Router.
#pragma once

#include "controlplane/apiserver/router.h"
#include "controlplane/apiserver/tls_material.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hostlet::apiserver {

class HttpServer {
 public:
  // Binds and listens at once, so that when the constructor returns clients can connect (they
  // wait in the backlog until Run). With `tls` every connection speaks HTTPS with that
  // certificate; without it, plain HTTP. With `client_ca_pem` too, clients may present a
  // certificate: one that CA did not sign fails the handshake, one it signed names the client
  // (Request::client_common_name), and none leaves the request anonymous for the router's gate
  // to judge. Throws std::system_error when the address cannot be bound, and when the
  // certificate, key or CA cannot be used.
  HttpServer(const Router& router, const boost::asio::ip::tcp::endpoint& endpoint,
             const ServingCertificate* tls = nullptr, const std::string& client_ca_pem = "");
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound endpoint: its port is the real one when port 0 was asked for.
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  boost::asio::io_context& context() { return context_; }

  // Serves on `threads` threads (the calling one included) until Stop.
  void Run(unsigned threads);
  // From any thread, a signal handler on context() included.
  void Stop();

 private:
  void Accept();
  void StartSession(boost::asio::ip::tcp::socket socket);

  const Router& router_;
  boost::asio::io_context context_;
  std::optional<boost::asio::ssl::context> tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace hostlet::apiserver
