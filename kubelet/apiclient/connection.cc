#include "kubelet/apiclient/connection.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <cerrno>

namespace hostlet::apiclient::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

const char* StepName(Step step) {
  switch (step) {
    case Step::kConnect:
      return "connect";
    case Step::kHandshake:
      return "TLS handshake";
    case Step::kWrite:
      return "sending the request";
    case Step::kRead:
      return "reading the answer";
  }
  return "?";
}

}  // namespace

Connection::Connection(const ServerAddress& server, asio::ssl::context* tls) : server_(server) {
  if (tls == nullptr) {
    plain_.emplace(io_);
    return;
  }
  secure_.emplace(io_, *tls);
  SSL* ssl = secure_->native_handle();
  // SNI is for names only (RFC 6066); an address is checked against the certificate's IP SANs.
  if (!server_.host_is_ip) SSL_set_tlsext_host_name(ssl, server_.host.c_str());
  // OpenSSL's own host check, rather than a verify callback, so that a mismatch is reported as
  // such by SSL_get_verify_result. It only applies when the context verifies at all.
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (server_.host_is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(param, server_.host.c_str());
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, server_.host.c_str(), server_.host.size());
  }
}

beast::tcp_stream& Connection::tcp() { return secure_ ? secure_->next_layer() : *plain_; }

int Connection::native_handle() { return tcp().socket().native_handle(); }

void Connection::Fail(Step step, boost::system::error_code code) {
  std::string reason = std::string(StepName(step)) + ": ";
  if (code == beast::error::timeout) {
    reason += "timed out";
  } else {
    reason += code.message();
  }
  // "certificate verify failed" alone does not say which check failed.
  if (secure_ && step == Step::kHandshake) {
    long verify = SSL_get_verify_result(secure_->native_handle());
    if (verify != X509_V_OK)
      reason += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
  }
  throw ConnectionError(step, code, reason);
}

// Starts one asynchronous operation and runs this connection's io_context until it completes
// (or the stream's timer closes the socket at the deadline).
template <class Initiate>
void Connection::Run(Step step, std::optional<Clock::time_point> deadline, Initiate initiate) {
  if (deadline) {
    tcp().expires_at(*deadline);
  } else {
    tcp().expires_never();
  }
  boost::system::error_code result = asio::error::would_block;
  initiate([&result](boost::system::error_code code, auto&&...) { result = code; });
  io_.restart();
  io_.run();
  if (result) Fail(step, result);
}

void Connection::Connect(Clock::time_point deadline) {
  tcp::resolver resolver(io_);
  boost::system::error_code code;
  // Resolution has no deadline of its own; an address (the usual kubeconfig) resolves at once.
  auto endpoints = resolver.resolve(
      server_.host, server_.port,
      server_.host_is_ip ? tcp::resolver::numeric_host : tcp::resolver::flags(), code);
  if (code) {
    throw ConnectionError(Step::kConnect, code,
                          "cannot resolve " + server_.host + ": " + code.message());
  }
  Run(Step::kConnect, deadline,
      [&](auto handler) { tcp().async_connect(endpoints, std::move(handler)); });
  // Requests are small and written whole; Nagle would only delay them.
  tcp().socket().set_option(tcp::no_delay(true), code);
  if (secure_) {
    Run(Step::kHandshake, deadline, [&](auto handler) {
      secure_->async_handshake(asio::ssl::stream_base::client, std::move(handler));
    });
  }
}

void Connection::Write(Request& request, Clock::time_point deadline) {
  Run(Step::kWrite, deadline, [&](auto handler) {
    if (secure_) return http::async_write(*secure_, request, std::move(handler));
    http::async_write(*plain_, request, std::move(handler));
  });
}

void Connection::ReadHeader(ResponseParser& parser, Clock::time_point deadline) {
  Run(Step::kRead, deadline, [&](auto handler) {
    if (secure_) return http::async_read_header(*secure_, buffer_, parser, std::move(handler));
    http::async_read_header(*plain_, buffer_, parser, std::move(handler));
  });
}

void Connection::Read(ResponseParser& parser, std::optional<Clock::time_point> deadline) {
  Run(Step::kRead, deadline, [&](auto handler) {
    if (secure_) return http::async_read(*secure_, buffer_, parser, std::move(handler));
    http::async_read(*plain_, buffer_, parser, std::move(handler));
  });
}

void Connection::EnableTcpKeepAlive() {
  int fd = native_handle();
  int on = 1, idle = 30, interval = 10, count = 3;  // a dead peer is noticed within a minute
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

bool Connection::Reusable() {
  if (buffer_.size() != 0) return false;  // bytes beyond the last answer: out of step
  if (!tcp().socket().is_open()) return false;
  char byte;
  // An idle keep-alive connection has nothing to read; readable means the server closed it
  // (EOF, or a TLS close_notify first).
  ssize_t peeked = ::recv(native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace hostlet::apiclient::detail
