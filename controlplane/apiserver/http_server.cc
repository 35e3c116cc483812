#include "controlplane/apiserver/http_server.h"

#include "controlplane/apiserver/api_status.h"

#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <chrono>
#include <optional>

namespace hostlet::apiserver {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Kubernetes' own limit on a request body is 3 MiB.
constexpr uint64_t kBodyLimit = 3 * 1024 * 1024;
// An idle keep-alive connection is closed after this; kubectl reconnects.
constexpr std::chrono::seconds kIdleTimeout(120);

std::string Lower(const std::string& text) {
  std::string lower(text);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

Request ToRequest(const http::request<http::string_body>& message) {
  Request request;
  request.method = std::string(message.method_string());
  std::string target(message.target());
  auto question = target.find('?');
  request.path = target.substr(0, question);
  if (question != std::string::npos) request.query = target.substr(question + 1);
  for (const auto& field : message) {
    auto name = Lower(std::string(field.name_string()));
    auto& value = request.headers[name];
    // Repeated headers combine as RFC 9110 says, comma-separated.
    value = value.empty() ? std::string(field.value()) : value + "," + std::string(field.value());
  }
  request.body = message.body();
  return request;
}

http::response<http::string_body> ToMessage(Response response, unsigned version, bool keep_alive) {
  http::response<http::string_body> message{static_cast<http::status>(response.status), version};
  message.set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) message.set(name, value);
  message.keep_alive(keep_alive);
  message.body() = std::move(response.body);
  if (response.chunked) {
    message.chunked(true);
  } else {
    message.prepare_payload();
  }
  return message;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Router& router) : stream_(std::move(socket)), router_(router) {}

  void Start() {
    // Start on the connection's strand, which every later step of it keeps.
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    stream_.expires_after(kIdleTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) { self->OnRead(error); });
  }

  void OnRead(beast::error_code error) {
    if (error == http::error::end_of_stream) return Close();
    if (error == http::error::body_limit) {
      return Write(ErrorResponse(
                       {413, "RequestEntityTooLarge", "the request body is larger than 3 MiB", {}}),
                   11, false);
    }
    if (error) return;  // Timeout, reset or garbage: drop the connection.
    auto message = parser_->release();
    Response response = router_.Dispatch(ToRequest(message));
    Write(std::move(response), message.version(), message.keep_alive());
  }

  void Write(Response response, unsigned version, bool keep_alive) {
    response_ = ToMessage(std::move(response), version, keep_alive);
    http::async_write(stream_, response_,
                      [self = shared_from_this(), keep_alive](beast::error_code error, size_t) {
                        if (error) return;
                        if (keep_alive) return self->Read();
                        self->Close();
                      });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  const Router& router_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
};

}  // namespace

HttpServer::HttpServer(const Router& router, const tcp::endpoint& endpoint)
    : router_(router), acceptor_(context_) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  Accept();
}

HttpServer::~HttpServer() { Stop(); }

tcp::endpoint HttpServer::local_endpoint() const { return acceptor_.local_endpoint(); }

void HttpServer::Accept() {
  // Each connection gets its own strand, so its handlers never run at once on two threads.
  acceptor_.async_accept(asio::make_strand(context_),
                         [this](beast::error_code error, tcp::socket socket) {
                           if (error == asio::error::operation_aborted) return;
                           if (!error)
                             std::make_shared<Session>(std::move(socket), router_)->Start();
                           Accept();
                         });
}

void HttpServer::Run(unsigned threads) {
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([this] { context_.run(); });
  context_.run();
  for (auto& thread : pool) thread.join();
}

void HttpServer::Stop() { context_.stop(); }

}  // namespace hostlet::apiserver
