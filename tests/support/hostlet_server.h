// hostlet-server as users run it: a child process on a free loopback port with its state in a
// temporary directory, driven by the real kubectl through the kubeconfig it writes and by plain
// HTTP for what kubectl hides. Needs HOSTLET_SERVER_BINARY.
#pragma once

#include "tests/support/child_process.h"
#include "tests/support/fixtures.h"

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <memory>
#include <regex>
#include <string>

namespace hostlet::testing {

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};

inline CommandResult RunCommand(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

struct HttpResult {
  int status;
  std::string content_type;
  std::string body;
};

// kubectl's HOME, cache and kubeconfig are private to the test.
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{HOSTLET_SERVER_BINARY, "--listen", "127.0.0.1:0", "--data-dir",
                                 dir_ / "data", "--kubeconfig-out", kubeconfig_, "--threads", "2"},
        dir_ / "server.log");
    ASSERT_TRUE(Eventually([&] { return std::filesystem::exists(kubeconfig_); }))
        << "no kubeconfig written; server log:\n"
        << ReadFile(dir_ / "server.log");
    std::smatch match;
    std::string config = ReadFile(kubeconfig_);
    ASSERT_TRUE(std::regex_search(config, match, std::regex("server: http://127.0.0.1:(\\d+)")))
        << config;
    port_ = static_cast<unsigned short>(std::stoi(match[1]));
  }

  CommandResult Kubectl(const std::string& arguments) {
    return RunCommand("env -i PATH=/usr/bin:/bin HOME=" + dir_ / "home" +
                      " KUBECONFIG=" + kubeconfig_ + " kubectl --cache-dir " + dir_ / "cache" +
                      " --request-timeout 20s " + arguments);
  }

  HttpResult Http(const std::string& method, const std::string& target,
                  const std::string& accept = "", const std::string& body = "",
                  const std::string& content_type = "application/json") {
    namespace asio = boost::asio;
    namespace http = boost::beast::http;
    asio::io_context context;
    asio::ip::tcp::socket socket(context);
    socket.connect({asio::ip::make_address("127.0.0.1"), port_});
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, "127.0.0.1");
    if (!accept.empty()) request.set(http::field::accept, accept);
    if (!body.empty()) {
      request.set(http::field::content_type, content_type);
      request.body() = body;
    }
    request.prepare_payload();
    http::write(socket, request);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    response.body().reserve(0);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(socket, buffer, parser);
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
};

}  // namespace hostlet::testing
