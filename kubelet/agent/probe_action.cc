#include "kubelet/agent/probe_action.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <functional>
#include <optional>
#include <thread>

namespace hostlet::agent {

using nlohmann::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

const char* const kHandlers[] = {"exec", "httpGet", "tcpSocket", "grpc", "sleep"};

// A port given by number or by the name of one of the container's ports; nullopt with `problem`
// set when it is neither.
std::optional<int> ResolvePort(const json& port, const json& container, std::string* problem) {
  if (port.is_number_integer()) {
    int number = port.get<int>();
    if (number >= 1 && number <= 65535) return number;
    *problem = "port " + port.dump() + " is not between 1 and 65535";
    return std::nullopt;
  }
  if (port.is_string()) {
    std::string name = port.get<std::string>();
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
      return ResolvePort(json(std::stoi(name.substr(0, 6))), container, problem);
    }
    for (const auto& declared : container.value("ports", json::array())) {
      if (declared.is_object() && declared.value("name", "") == name &&
          declared.value("containerPort", 0) > 0) {
        return declared.value("containerPort", 0);
      }
    }
    *problem = "unknown port name \"" + name + "\": the container declares no port of that name";
    return std::nullopt;
  }
  *problem = "port is required";
  return std::nullopt;
}

std::string Seconds(std::chrono::milliseconds timeout) {
  auto whole = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
  return std::to_string(whole) + "s";
}

ActionResult Exec(cri::RuntimeClient& runtime, const json& exec, const ActionTarget& target,
                  std::chrono::milliseconds timeout) {
  runtime::v1::ExecSyncRequest request;
  request.set_container_id(target.container_id);
  for (const auto& word : exec.value("command", json::array())) {
    request.add_cmd(word.is_string() ? word.get<std::string>() : word.dump());
  }
  request.set_timeout(std::max<std::int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(timeout + std::chrono::milliseconds(999))
             .count()));
  runtime::v1::ExecSyncResponse response;
  grpc::Status status = runtime.runtime.ExecSync(request, &response);
  if (!status.ok()) {
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
        status.error_message().find("timed out") != std::string::npos) {
      return {false, "command timed out after " + Seconds(timeout)};
    }
    return {false, status.error_message()};
  }
  if (response.exit_code() == 0) return {true, ""};
  std::string output = response.stdout() + response.stderr();
  while (!output.empty() && output.back() == '\n') output.pop_back();
  if (output.empty()) output = "command exited with code " + std::to_string(response.exit_code());
  return {false, output};
}

// Runs `io` until the operation ends or the time is up; false when the time ran out.
bool RunWithin(asio::io_context& io, const bool& finished, std::chrono::milliseconds timeout) {
  io.run_for(timeout);
  return finished;
}

ActionResult TcpSocket(const json& socket, const ActionTarget& target,
                       std::chrono::milliseconds timeout) {
  std::string problem;
  auto port = ResolvePort(socket.value("port", json()), *target.container, &problem);
  if (!port) return {false, problem};
  std::string host = socket.value("host", target.pod_ip);
  std::string where = "dial tcp " + host + ":" + std::to_string(*port);
  asio::io_context io;
  tcp::resolver resolver(io);
  tcp::socket connection(io);
  bool finished = false;
  beast::error_code failure;
  resolver.async_resolve(host, std::to_string(*port), [&](beast::error_code error, auto results) {
    if (error) {
      failure = error;
      finished = true;
      return;
    }
    asio::async_connect(connection, results, [&](beast::error_code connected, const auto&) {
      failure = connected;
      finished = true;
    });
  });
  if (!RunWithin(io, finished, timeout)) return {false, where + ": i/o timeout"};
  if (failure) return {false, where + ": connect: " + failure.message()};
  return {true, ""};
}

template <class Stream>
void SendAndReadHeader(Stream& stream, http::request<http::empty_body>& request,
                       beast::flat_buffer& buffer, http::response_parser<http::empty_body>& parser,
                       std::function<void(beast::error_code)> done) {
  http::async_write(stream, request, [&, done](beast::error_code error, std::size_t) {
    if (error) return done(error);
    // The status is all a probe needs; the body may be anything, of any size.
    http::async_read_header(stream, buffer, parser,
                            [done](beast::error_code read, std::size_t) { done(read); });
  });
}

ActionResult HttpGet(const json& get, const ActionTarget& target,
                     std::chrono::milliseconds timeout) {
  std::string problem;
  auto port = ResolvePort(get.value("port", json()), *target.container, &problem);
  if (!port) return {false, problem};
  std::string host = get.value("host", "");
  if (host.empty()) host = target.pod_ip;
  std::string path = get.value("path", "/");
  if (path.empty() || path.front() != '/') path = "/" + path;
  bool https = get.value("scheme", "HTTP") == "HTTPS";
  std::string url =
      std::string(https ? "https" : "http") + "://" + host + ":" + std::to_string(*port) + path;

  http::request<http::empty_body> request{http::verb::get, path, 11};
  request.set(http::field::host, host + ":" + std::to_string(*port));
  request.set(http::field::user_agent, "kube-probe/1.32");
  request.set(http::field::accept, "*/*");
  for (const auto& header : get.value("httpHeaders", json::array())) {
    if (header.is_object() && !header.value("name", "").empty())
      request.set(header.value("name", ""), header.value("value", ""));
  }

  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  // As the kubelet: a probe checks that the server answers, not who it is.
  tls.set_verify_mode(asio::ssl::verify_none);
  tcp::resolver resolver(io);
  beast::ssl_stream<beast::tcp_stream> secure(io, tls);
  beast::tcp_stream& plain = beast::get_lowest_layer(secure);
  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> parser;
  bool finished = false;
  beast::error_code failure;
  auto done = [&](beast::error_code error) {
    failure = error;
    finished = true;
  };
  resolver.async_resolve(host, std::to_string(*port), [&](beast::error_code error, auto results) {
    if (error) return done(error);
    plain.async_connect(results, [&](beast::error_code connected, const auto&) {
      if (connected) return done(connected);
      if (!https) return SendAndReadHeader(plain, request, buffer, parser, done);
      SSL_set_tlsext_host_name(secure.native_handle(), host.c_str());
      secure.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code shaken) {
        if (shaken) return done(shaken);
        SendAndReadHeader(secure, request, buffer, parser, done);
      });
    });
  });
  if (!RunWithin(io, finished, timeout)) {
    return {false, "Get \"" + url + "\": context deadline exceeded (timed out after " +
                       Seconds(timeout) + ")"};
  }
  if (failure) return {false, "Get \"" + url + "\": " + failure.message()};
  unsigned code = parser.get().result_int();
  if (code >= 200 && code < 400) return {true, ""};
  return {false, "HTTP probe failed with statuscode: " + std::to_string(code)};
}

}  // namespace

std::string HandlerProblem(const json& handler, const json& container, bool hook) {
  if (!handler.is_object()) return "must be an object";
  std::vector<std::string> given;
  for (const char* kind : kHandlers) {
    if (handler.contains(kind) && !handler[kind].is_null()) given.push_back(kind);
  }
  if (given.empty()) return "must specify a handler type";
  if (given.size() > 1) return "may not specify more than 1 handler type";
  const std::string& kind = given.front();
  const json& body = handler[kind];
  if (!body.is_object()) return kind + ": must be an object";
  if (kind == "sleep" && !hook) return "sleep: only lifecycle hooks may sleep";
  if (kind == "grpc") {
    if (hook) return "grpc: lifecycle hooks cannot use gRPC";
    return "grpc: gRPC probes are not supported by this node";
  }
  if (kind == "exec") {
    const json& command = body.value("command", json::array());
    if (!command.is_array() || command.empty()) return "exec.command: must not be empty";
  }
  if (kind == "sleep" && body.value("seconds", -1) < 0) return "sleep.seconds: must be 0 or more";
  if (kind == "httpGet" || kind == "tcpSocket") {
    std::string problem;
    if (!ResolvePort(body.value("port", json()), container, &problem)) {
      return kind + ".port: " + problem;
    }
    if (kind == "httpGet") {
      std::string scheme = body.value("scheme", "HTTP");
      if (scheme != "HTTP" && scheme != "HTTPS")
        return "httpGet.scheme: \"" + scheme + "\" is neither HTTP nor HTTPS";
    }
  }
  return "";
}

ActionResult RunAction(cri::RuntimeClient& runtime, const json& handler, const ActionTarget& target,
                       std::chrono::milliseconds timeout) {
  static const json kNoContainer = json::object();
  ActionTarget resolved = target;
  if (resolved.container == nullptr) resolved.container = &kNoContainer;
  try {
    if (handler.contains("exec")) return Exec(runtime, handler["exec"], resolved, timeout);
    if (handler.contains("httpGet")) return HttpGet(handler["httpGet"], resolved, timeout);
    if (handler.contains("tcpSocket")) return TcpSocket(handler["tcpSocket"], resolved, timeout);
    if (handler.contains("sleep")) {
      auto seconds = std::chrono::seconds(handler["sleep"].value("seconds", 0));
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(seconds, timeout));
      return {true, ""};
    }
  } catch (const std::exception& error) {
    return {false, error.what()};
  }
  return {false, "no handler to run"};
}

}  // namespace hostlet::agent
