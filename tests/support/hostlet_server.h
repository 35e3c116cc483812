// hostlet-server as users run it: a child process on a free loopback port with its state in a
// temporary directory, driven by the real kubectl through the kubeconfig it writes and by HTTPS
// requests (trusting the server's CA, with the admin's token) for what kubectl hides. Needs
// HOSTLET_SERVER_BINARY.
#pragma once

#include "tests/support/child_process.h"
#include "tests/support/fixtures.h"
#include "tests/support/run_command.h"

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/rfc2818_verification.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cstdio>
#include <memory>
#include <regex>
#include <string>

namespace hostlet::testing {

struct HttpResult {
  int status;
  std::string content_type;
  std::string body;
};

// kubectl's HOME, cache and kubeconfig are private to the test. A derived fixture may set
// extra_flags_ in its constructor to start the server differently.
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::string> argv{HOSTLET_SERVER_BINARY, "--listen",    "127.0.0.1:0",
                                  "--data-dir",          dir_ / "data", "--kubeconfig-out",
                                  kubeconfig_,           "--threads",   "2"};
    argv.insert(argv.end(), extra_flags_.begin(), extra_flags_.end());
    server_ = std::make_unique<ChildProcess>(argv, dir_ / "server.log");
    ASSERT_TRUE(Eventually([&] { return std::filesystem::exists(kubeconfig_); }))
        << "no kubeconfig written; server log:\n"
        << ReadFile(dir_ / "server.log");
    std::smatch match;
    std::string config = ReadFile(kubeconfig_);
    ASSERT_TRUE(std::regex_search(config, match, std::regex("server: (https?)://127.0.0.1:(\\d+)")))
        << config;
    plain_http_ = match[1] == "http";
    port_ = static_cast<unsigned short>(std::stoi(match[2]));
    if (std::regex_search(config, match, std::regex("token: (\\S+)"))) token_ = match[1];
    if (!plain_http_) {
      tls_.load_verify_file(dir_.path() / "data" / "pki" / "ca.crt");
      tls_.set_verify_mode(boost::asio::ssl::verify_peer);
    }
  }

  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  // A connection to the server that has checked the server's certificate against the CA and
  // the name 127.0.0.1, as kubectl does.
  std::unique_ptr<TlsStream> Connect() {
    auto stream = std::make_unique<TlsStream>(context_, tls_);
    boost::beast::get_lowest_layer(*stream).connect(
        {boost::asio::ip::make_address("127.0.0.1"), port_});
    stream->set_verify_callback(boost::asio::ssl::rfc2818_verification("127.0.0.1"));
    stream->handshake(boost::asio::ssl::stream_base::client);
    return stream;
  }

  CommandResult Kubectl(const std::string& arguments) {
    return RunCommand("env -i PATH=/usr/bin:/bin HOME=" + dir_ / "home" +
                      " KUBECONFIG=" + kubeconfig_ + " kubectl --cache-dir " + dir_ / "cache" +
                      " --request-timeout 20s " + arguments);
  }

  HttpResult Http(const std::string& method, const std::string& target,
                  const std::string& accept = "", const std::string& body = "",
                  const std::string& content_type = "application/json") {
    namespace http = boost::beast::http;
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, "127.0.0.1");
    if (!token_.empty()) request.set(http::field::authorization, "Bearer " + token_);
    if (!accept.empty()) request.set(http::field::accept, accept);
    if (!body.empty()) {
      request.set(http::field::content_type, content_type);
      request.body() = body;
    }
    request.prepare_payload();
    if (plain_http_) {
      boost::beast::tcp_stream stream(context_);
      stream.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
      return Exchange(stream, request);
    }
    return Exchange(*Connect(), request);
  }

  template <typename Stream>
  static HttpResult Exchange(
      Stream& stream, const boost::beast::http::request<boost::beast::http::string_body>& request) {
    namespace http = boost::beast::http;
    http::write(stream, request);
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(stream, buffer, parser);
    auto message = parser.release();
    return {static_cast<int>(message.result_int()), std::string(message[http::field::content_type]),
            message.body()};
  }

  // Writes `text` to a file in the test directory and returns its path.
  std::string File(const std::string& name, const std::string& text) {
    std::string path = dir_ / name;
    FILE* file = fopen(path.c_str(), "w");
    fwrite(text.data(), 1, text.size(), file);
    fclose(file);
    return path;
  }

  TempDir dir_;
  std::string kubeconfig_ = dir_ / "admin.kubeconfig";
  std::unique_ptr<ChildProcess> server_;
  unsigned short port_ = 0;
  std::vector<std::string> extra_flags_;
  bool plain_http_ = false;
  // What Http sends as its bearer token; a test may change it (empty: none).
  std::string token_;
  boost::asio::io_context context_;
  boost::asio::ssl::context tls_{boost::asio::ssl::context::tls_client};
};

}  // namespace hostlet::testing
