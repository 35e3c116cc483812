// One connection to the apiserver, plain or TLS, with its own io_context. The thread using it runs
// each operation to completion under a deadline: synchronous Asio reads block in poll() and
// ignore socket timeouts, so the operations are asynchronous ones that Beast's tcp_stream times
// out. A connection is used by one thread at a time.
#pragma once

#include "kubelet/apiclient/server_address.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

namespace hostlet::apiclient::detail {

using Clock = std::chrono::steady_clock;
using Request = boost::beast::http::request<boost::beast::http::string_body>;
using ResponseParser = boost::beast::http::response_parser<boost::beast::http::string_body>;

// What a connection was doing when it failed, which decides whether a request may be retried.
enum class Step { kConnect, kHandshake, kWrite, kRead };

class ConnectionError : public std::runtime_error {
 public:
  ConnectionError(Step step, boost::system::error_code code, const std::string& reason)
      : std::runtime_error(reason), step(step), code(code) {}
  Step step;
  boost::system::error_code code;
};

class Connection {
 public:
  // `tls` is null for plain http; it must outlive the connection.
  Connection(const ServerAddress& server, boost::asio::ssl::context* tls);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Each throws ConnectionError; a deadline of nullopt waits for ever.
  void Connect(Clock::time_point deadline);
  void Write(Request& request, Clock::time_point deadline);
  void ReadHeader(ResponseParser& parser, Clock::time_point deadline);
  void Read(ResponseParser& parser, std::optional<Clock::time_point> deadline);

  // For a watch: probes that notice a peer gone silently (a dead node, a dropped NAT entry).
  void EnableTcpKeepAlive();
  // Whether a pooled connection can take another request: the server has not closed it (or sent
  // anything unasked) while it was idle.
  bool Reusable();
  // The socket, for Cancellation to shut down from another thread.
  int native_handle();

 private:
  boost::beast::tcp_stream& tcp();
  template <class Initiate>
  void Run(Step step, std::optional<Clock::time_point> deadline, Initiate initiate);
  [[noreturn]] void Fail(Step step, boost::system::error_code code);

  const ServerAddress& server_;
  boost::asio::io_context io_;
  // Exactly one is set: plain http or TLS.
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> secure_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace hostlet::apiclient::detail
