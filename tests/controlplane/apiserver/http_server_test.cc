// The HTTP layer in process: chunked answers (what watch will use) and errors from handlers.
#include "controlplane/apiserver/http_server.h"
#include "controlplane/apiserver/api_status.h"

#include <gtest/gtest.h>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <thread>

namespace hostlet::apiserver {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

class InProcessServer : public ::testing::Test {
 protected:
  InProcessServer() {
    router_.Add("GET", "/chunked", [](const Request&, const PathParams&) {
      Response response;
      response.chunked = true;
      response.body = R"({"type":"ADDED"})";
      return response;
    });
    router_.Add("GET", "/throws", [](const Request&, const PathParams&) -> Response {
      throw std::runtime_error("handler failed");
    });
    router_.Add("GET", "/echo/{name}", [](const Request& request, const PathParams& params) {
      Response response;
      response.content_type = "text/plain";
      response.body = params.at("name") + " " + request.query + " " + request.Header("x-probe");
      return response;
    });
    server_.emplace(router_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    thread_ = std::thread([this] { server_->Run(2); });
  }
  ~InProcessServer() override {
    server_->Stop();
    thread_.join();
  }

  http::response<http::string_body> Get(const std::string& target) {
    asio::io_context context;
    asio::ip::tcp::socket socket(context);
    socket.connect(server_->local_endpoint());
    http::request<http::empty_body> request{http::verb::get, target, 11};
    request.set(http::field::host, "127.0.0.1");
    request.set("X-Probe", "seen");
    http::write(socket, request);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    return response;
  }

  Router router_;
  std::optional<HttpServer> server_;
  std::thread thread_;
};

TEST_F(InProcessServer, ChunkedResponsesUseTransferEncoding) {
  auto response = Get("/chunked");
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_TRUE(response.chunked());
  EXPECT_EQ(response.count(http::field::content_length), 0u);
  EXPECT_EQ(response.body(), R"({"type":"ADDED"})");
}

TEST_F(InProcessServer, HandlersSeePathParametersQueryAndHeaders) {
  auto response = Get("/echo/web?limit=500");
  EXPECT_EQ(response.body(), "web limit=500 seen");
  EXPECT_EQ(response[http::field::content_length], "18");
}

TEST_F(InProcessServer, AThrowingHandlerIsAnInternalErrorStatus) {
  auto response = Get("/throws");
  EXPECT_EQ(response.result_int(), 500u);
  auto status = nlohmann::json::parse(response.body());
  EXPECT_EQ(status["reason"], "InternalError");
  EXPECT_EQ(status["message"], "handler failed");
}

}  // namespace
}  // namespace hostlet::apiserver
