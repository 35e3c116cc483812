#include "plugins/runtime/oci/registry/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace hostlet::oci {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// Reads the response, its body into `response.body` or, for 2xx with a sink, into the sink.
template <class Stream>
HttpResponse Exchange(Stream& stream, const HttpRequest& request, const std::string& host_header) {
  http::request<http::string_body> message{http::string_to_verb(request.method), request.url.target, 11};
  message.set(http::field::host, host_header);
  message.set(http::field::user_agent, "hostlet");
  for (const auto& [name, value] : request.headers) message.set(name, value);
  message.body() = request.body;
  message.prepare_payload();
  http::write(stream, message);

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  http::read_header(stream, buffer, parser);
  HttpResponse response;
  response.status = static_cast<int>(parser.get().result_int());
  for (const auto& field : parser.get()) {
    response.headers[Lower(std::string(field.name_string()))] = std::string(field.value());
  }
  const bool to_sink = request.body_sink && response.status >= 200 && response.status < 300;
  char chunk[1 << 16];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof(chunk);
    beast::error_code error;
    http::read(stream, buffer, parser, error);
    if (error && error != http::error::need_buffer) throw beast::system_error(error);
    size_t got = sizeof(chunk) - parser.get().body().size;
    if (to_sink) {
      request.body_sink(chunk, got);
    } else if (response.body.size() < (16u << 20)) {  // error bodies and manifests are small
      response.body.append(chunk, got);
    }
  }
  return response;
}

}  // namespace

std::optional<Url> Url::Parse(const std::string& text) {
  Url url;
  auto scheme_end = text.find("://");
  if (scheme_end == std::string::npos) return std::nullopt;
  url.scheme = Lower(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") return std::nullopt;
  std::string rest = text.substr(scheme_end + 3);
  auto path_start = rest.find('/');
  std::string authority = rest.substr(0, path_start);
  url.target = path_start == std::string::npos ? "/" : rest.substr(path_start);
  auto colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    url.host = authority.substr(0, colon);
    url.port = authority.substr(colon + 1);
  } else {
    url.host = authority;
    url.port = url.scheme == "https" ? "443" : "80";
  }
  if (url.host.empty()) return std::nullopt;
  return url;
}

HttpResponse HttpClient::SendOnce(const HttpRequest& request) const {
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(request.url.host, request.url.port);
  const std::string host_header =
      request.url.host + ((request.url.port == "80" || request.url.port == "443") ? "" : ":" + request.url.port);
  if (request.url.scheme == "http") {
    beast::tcp_stream stream(io);
    stream.expires_after(timeout_);
    stream.connect(endpoints);
    HttpResponse response = Exchange(stream, request, host_header);
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    return response;
  }
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_default_verify_paths();
  for (const auto& ca : ca_files_) tls.load_verify_file(ca);
  tls.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(io, tls);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), request.url.host.c_str())) {
    throw std::runtime_error("cannot set TLS server name " + request.url.host);
  }
  stream.set_verify_callback(asio::ssl::host_name_verification(request.url.host));
  beast::get_lowest_layer(stream).expires_after(timeout_);
  beast::get_lowest_layer(stream).connect(endpoints);
  stream.handshake(asio::ssl::stream_base::client);
  HttpResponse response = Exchange(stream, request, host_header);
  beast::error_code ignored;
  stream.shutdown(ignored);
  return response;
}

HttpResponse HttpClient::Send(HttpRequest request) const {
  for (int redirects = 0;; ++redirects) {
    HttpResponse response;
    try {
      response = SendOnce(request);
    } catch (const std::exception& error) {
      throw std::runtime_error(request.method + " " + request.url.Origin() + request.url.target + ": " + error.what());
    }
    if (response.status < 300 || response.status >= 400 || response.Header("location").empty()) return response;
    if (redirects == 5) throw std::runtime_error("too many redirects from " + request.url.Origin());
    std::string location = response.Header("location");
    auto next = location.starts_with("/") ? Url::Parse(request.url.Origin() + location) : Url::Parse(location);
    if (!next) throw std::runtime_error("unusable redirect to \"" + location + "\"");
    if (next->Origin() != request.url.Origin()) request.headers.erase("Authorization");
    request.url = *next;
    if (response.status == 303) {
      request.method = "GET";
      request.body.clear();
    }
  }
}

}  // namespace hostlet::oci
