#include "controlplane/apiserver/node_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace hostlet::apiserver {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string UrlHost(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// Every step runs asynchronously on a private io_context, driven by the calling thread, so
// that beast's timeouts apply and another thread can cut the connection by posting to it.
class Answer final : public NodeResponse {
 public:
  Answer(std::shared_ptr<asio::ssl::context> tls, std::string url)
      : tls_(std::move(tls)), url_(std::move(url)), stream_(context_, *tls_) {}

  void Open(const std::string& host, int port, const std::string& target,
            std::chrono::seconds timeout, bool stream_body) {
    boost::system::error_code error;
    auto address = asio::ip::make_address(host, error);
    if (error) Fail("not an IP address: " + host);
    auto& lowest = beast::get_lowest_layer(stream_);
    lowest.expires_after(timeout);
    Step([&](auto done) {
      lowest.async_connect(tcp::endpoint(address, static_cast<unsigned short>(port)), done);
    });
    Step([&](auto done) {
      stream_.async_handshake(asio::ssl::stream_base::client,
                              [done](beast::error_code code) { done(code); });
    });
    http::request<http::empty_body> request{http::verb::get, target, 11};
    request.set(http::field::host, UrlHost(host) + ":" + std::to_string(port));
    request.set(http::field::user_agent, "hostlet-server");
    Step([&](auto done) {
      http::async_write(stream_, request, [done](beast::error_code code, size_t) { done(code); });
    });
    parser_.body_limit(std::numeric_limits<std::uint64_t>::max());
    Step([&](auto done) {
      http::async_read_header(stream_, buffer_, parser_,
                              [done](beast::error_code code, size_t) { done(code); });
    });
    if (stream_body) lowest.expires_never();
  }

  int status() const override { return static_cast<int>(parser_.get().result_int()); }
  std::string content_type() const override {
    return std::string(parser_.get()[http::field::content_type]);
  }

  std::optional<std::string> Read() override {
    if (parser_.is_done()) return std::nullopt;
    char piece[16 * 1024];
    parser_.get().body().data = piece;
    parser_.get().body().size = sizeof piece;
    Step([&](auto done) {
      http::async_read_some(stream_, buffer_, parser_, [done](beast::error_code code, size_t) {
        done(code == http::error::need_buffer ? beast::error_code() : code);
      });
    });
    return std::string(piece, sizeof piece - parser_.get().body().size);
  }

  void Cancel() override {
    cancelled_ = true;
    asio::post(context_, [this] {
      beast::error_code ignored;
      beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(stream_).cancel();
    });
  }

 private:
  [[noreturn]] void Fail(const std::string& reason) {
    throw std::runtime_error("Get \"" + url_ + "\": " + reason);
  }

  // Starts one operation and runs the context until it completes.
  template <class Start>
  void Step(Start start) {
    if (cancelled_) Fail("cancelled");
    bool finished = false;
    beast::error_code result;
    start([&](beast::error_code code) {
      result = code;
      finished = true;
    });
    context_.restart();
    while (!finished && context_.run_one() > 0) {
    }
    if (cancelled_) Fail("cancelled");
    if (result == beast::error::timeout) Fail("i/o timeout");
    if (result) Fail(result.message());
  }

  std::shared_ptr<asio::ssl::context> tls_;
  std::string url_;
  asio::io_context context_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  http::response_parser<http::buffer_body> parser_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace

std::string NodeResponse::ReadAll() {
  std::string body;
  while (auto piece = Read()) body += *piece;
  return body;
}

NodeClient::NodeClient(const ClientCertificate& certificate)
    : tls_(std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client)) {
  tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1);
  try {
    tls_->use_certificate_chain(asio::buffer(certificate.cert_pem));
    tls_->use_private_key(asio::buffer(certificate.key_pem), asio::ssl::context::pem);
  } catch (const std::exception& failure) {
    throw std::runtime_error(std::string("the kubelet-client certificate: ") + failure.what());
  }
  tls_->set_verify_mode(asio::ssl::verify_none);
}

std::unique_ptr<NodeResponse> NodeClient::Get(const std::string& host, int port,
                                              const std::string& target,
                                              std::chrono::seconds timeout,
                                              bool stream_body) const {
  auto answer = std::make_unique<Answer>(
      tls_, "https://" + UrlHost(host) + ":" + std::to_string(port) + target);
  answer->Open(host, port, target, timeout, stream_body);
  return answer;
}

}  // namespace hostlet::apiserver
