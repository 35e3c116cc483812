// Probe handlers as the kubelet runs them, against real servers on loopback: httpGet succeeds on
// 2xx/3xx only, sends the kubelet's User-Agent and the probe's headers, and gives up at its
// timeout; tcpSocket succeeds when a connection opens; named ports resolve from the container.
#include "kubelet/agent/probe_action.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <thread>

namespace hostlet::agent {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using nlohmann::json;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;

// Answers one HTTP request on a loopback port with `status`, remembering the request.
class OneShotHttpServer {
 public:
  explicit OneShotHttpServer(unsigned status, bool answer = true)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this, status, answer] {
      tcp::socket socket(io_);
      acceptor_.accept(socket);
      boost::beast::flat_buffer buffer;
      http::read(socket, buffer, request_);
      if (!answer) {
        // Holds the connection open without a word until the client gives up.
        char byte;
        boost::system::error_code ignored;
        socket.read_some(asio::buffer(&byte, 1), ignored);
        return;
      }
      http::response<http::string_body> response{static_cast<http::status>(status), 11};
      response.body() = "body";
      response.prepare_payload();
      http::write(socket, response);
    });
  }
  ~OneShotHttpServer() { thread_.join(); }
  int port() const { return acceptor_.local_endpoint().port(); }
  const http::request<http::string_body>& request() const { return request_; }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  http::request<http::string_body> request_;
  std::thread thread_;
};

class ProbeAction : public ::testing::Test {
 protected:
  ActionResult Run(const json& handler,
                   std::chrono::milliseconds timeout = std::chrono::seconds(2)) {
    return RunAction(runtime_, handler, ActionTarget{&container_, "unused", "127.0.0.1"}, timeout);
  }
  cri::RuntimeClient runtime_{nullptr};  // exec is not used here
  json container_ = {{"name", "app"}, {"ports", {{{"name", "web"}, {"containerPort", 8080}}}}};
};

TEST_F(ProbeAction, HttpGetSucceedsOnOkAndSendsTheKubeletsHeaders) {
  OneShotHttpServer server(200);
  auto result = Run({{"httpGet",
                      {{"path", "/healthz"},
                       {"port", server.port()},
                       {"httpHeaders", {{{"name", "X-Probe"}, {"value", "yes"}}}}}}});
  EXPECT_TRUE(result.success) << result.message;
  EXPECT_EQ(server.request().target(), "/healthz");
  EXPECT_EQ(server.request()[http::field::user_agent], "kube-probe/1.32");
  EXPECT_EQ(server.request()["X-Probe"], "yes");
}

TEST_F(ProbeAction, HttpGetFailsOnAServerErrorWithTheStatusCode) {
  OneShotHttpServer server(503);
  auto result = Run({{"httpGet", {{"port", server.port()}}}});
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.message, "HTTP probe failed with statuscode: 503");
}

TEST_F(ProbeAction, HttpGetGivesUpAtItsTimeout) {
  OneShotHttpServer server(200, /*answer=*/false);
  auto began = std::chrono::steady_clock::now();
  auto result = Run({{"httpGet", {{"port", server.port()}}}}, std::chrono::milliseconds(300));
  EXPECT_FALSE(result.success);
  EXPECT_THAT(result.message, HasSubstr("context deadline exceeded"));
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(5));
}

TEST_F(ProbeAction, TcpSocketSucceedsWhenAConnectionOpensAndFailsWhenRefused) {
  asio::io_context io;
  tcp::acceptor open(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  int port = open.local_endpoint().port();
  EXPECT_TRUE(Run({{"tcpSocket", {{"port", port}}}}).success);
  open.close();
  auto refused = Run({{"tcpSocket", {{"port", port}}}});
  EXPECT_FALSE(refused.success);
  EXPECT_THAT(refused.message, HasSubstr("dial tcp 127.0.0.1:" + std::to_string(port)));
  EXPECT_THAT(refused.message, HasSubstr("refused"));
}

TEST_F(ProbeAction, HandlerProblemsNameTheFieldAndTheReason) {
  EXPECT_EQ(HandlerProblem(json::object(), container_, false), "must specify a handler type");
  EXPECT_EQ(HandlerProblem({{"exec", {{"command", {"true"}}}}, {"tcpSocket", {{"port", 80}}}},
                           container_, false),
            "may not specify more than 1 handler type");
  EXPECT_EQ(HandlerProblem({{"httpGet", {{"port", "web"}}}}, container_, false), "");
  EXPECT_THAT(HandlerProblem({{"httpGet", {{"port", "admin"}}}}, container_, false),
              HasSubstr("httpGet.port: unknown port name \"admin\""));
  EXPECT_THAT(HandlerProblem({{"tcpSocket", {{"port", 70000}}}}, container_, false),
              HasSubstr("not between 1 and 65535"));
  EXPECT_EQ(HandlerProblem({{"exec", {{"command", json::array()}}}}, container_, false),
            "exec.command: must not be empty");
  EXPECT_THAT(HandlerProblem({{"sleep", {{"seconds", 1}}}}, container_, false),
              HasSubstr("only lifecycle hooks"));
  EXPECT_EQ(HandlerProblem({{"sleep", {{"seconds", 1}}}}, container_, true), "");
  EXPECT_THAT(HandlerProblem({{"grpc", {{"port", 9000}}}}, container_, false),
              HasSubstr("not supported"));
}

TEST_F(ProbeAction, NamedPortsResolveFromTheContainer) {
  OneShotHttpServer server(200);
  container_["ports"][0]["containerPort"] = server.port();
  auto result = Run({{"httpGet", {{"port", "web"}}}});
  EXPECT_TRUE(result.success) << result.message;
}

}  // namespace
}  // namespace hostlet::agent
