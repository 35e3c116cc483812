// HTTP/1.1 on Boost.Beast: keep-alive connections, each on its own strand, served by a small pool
// of threads sharing one io_context. Every request goes to the Router.
#pragma once

#include "controlplane/apiserver/router.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <thread>
#include <vector>

namespace hostlet::apiserver {

class HttpServer {
 public:
  // Binds and listens at once, so that when the constructor returns clients can connect (they
  // wait in the backlog until Run). Throws std::system_error when the address cannot be bound.
  HttpServer(const Router& router, const boost::asio::ip::tcp::endpoint& endpoint);
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

  const Router& router_;
  boost::asio::io_context context_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace hostlet::apiserver
