// What the benches that talk to hostlet-server share: its endpoint as its admin kubeconfig gives
// it, a keep-alive HTTPS client with the admin token (checking the server against its CA, as
// kubectl does), a watch reader, and a process's RSS from /proc.
#pragma once

#include <unistd.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/rfc2818_verification.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>

namespace hostlet::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

inline std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Endpoint {
  unsigned short port = 0;
  std::string token;
  std::string ca_file;
};

// The server whose data directory is `data_dir`, from the admin kubeconfig it wrote there.
inline Endpoint EndpointOf(const std::filesystem::path& data_dir) {
  auto kubeconfig = data_dir / "admin.kubeconfig";
  std::string config = ReadAll(kubeconfig);
  std::smatch match;
  if (!std::regex_search(config, match, std::regex("server: https://127.0.0.1:(\\d+)"))) {
    throw std::runtime_error("no https server in " + kubeconfig.string());
  }
  Endpoint endpoint;
  endpoint.port = static_cast<unsigned short>(std::stoi(match[1]));
  if (std::regex_search(config, match, std::regex("token: (\\S+)"))) endpoint.token = match[1];
  endpoint.ca_file = (data_dir / "pki" / "ca.crt").string();
  return endpoint;
}

// One client's keep-alive HTTPS connection, made in the network namespace of the thread that
// first calls.
class Client {
 public:
  explicit Client(const Endpoint& endpoint) : endpoint_(endpoint) {
    tls_.load_verify_file(endpoint.ca_file);
    tls_.set_verify_mode(asio::ssl::verify_peer);
  }

  // The status; the body in `*body` when given.
  int Call(http::verb method, const std::string& target, const std::string& payload = "",
           std::string* body = nullptr) {
    for (int attempt = 0;; ++attempt) {
      try {
        if (!stream_) Connect();
        http::request<http::string_body> request{method, target, 11};
        request.set(http::field::host, "127.0.0.1");
        request.set(http::field::authorization, "Bearer " + endpoint_.token);
        request.set(http::field::accept, "application/json");
        if (!payload.empty()) {
          request.set(http::field::content_type, "application/json");
          request.body() = payload;
        }
        request.prepare_payload();
        http::write(*stream_, request);
        http::response<http::string_body> response;
        http::read(*stream_, buffer_, response);
        if (!response.keep_alive()) stream_.reset();
        if (body != nullptr) *body = std::move(response.body());
        return static_cast<int>(response.result_int());
      } catch (const std::exception&) {
        // The server closed an idle connection: reconnect once.
        stream_.reset();
        if (attempt > 0) throw;
      }
    }
  }

  using Stream = beast::ssl_stream<beast::tcp_stream>;
  std::unique_ptr<Stream> Open() {
    auto stream = std::make_unique<Stream>(context_, tls_);
    beast::get_lowest_layer(*stream).connect({asio::ip::make_address("127.0.0.1"), endpoint_.port});
    beast::get_lowest_layer(*stream).socket().set_option(asio::ip::tcp::no_delay(true));
    stream->set_verify_callback(asio::ssl::rfc2818_verification("127.0.0.1"));
    stream->handshake(asio::ssl::stream_base::client);
    return stream;
  }

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  void Connect() {
    stream_ = Open();
    buffer_.clear();
  }

  Endpoint endpoint_;
  asio::io_context context_;
  asio::ssl::context tls_{asio::ssl::context::tls_client};
  std::unique_ptr<Stream> stream_;
  beast::flat_buffer buffer_;
};

// Runs a watch (`target` ends in `watch=true&...`) on a connection of its own: `on_open` once
// the server has answered with its headers, then `on_event` for each event as it arrives, until
// `on_event` returns false or the server ends the watch.
inline void Watch(Client& client, const std::string& target, const std::function<void()>& on_open,
                  const std::function<bool(const nlohmann::json&)>& on_event) {
  auto stream = client.Open();
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::authorization, "Bearer " + client.endpoint().token);
  http::write(*stream, request);
  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> parser;
  http::read_header(*stream, buffer, parser);
  if (on_open) on_open();
  std::string pending;
  auto on_chunk = [&](std::uint64_t, beast::string_view piece, beast::error_code& ec) {
    pending.append(piece.data(), piece.size());
    for (size_t newline; (newline = pending.find('\n')) != std::string::npos;) {
      auto event = nlohmann::json::parse(pending.substr(0, newline));
      pending.erase(0, newline + 1);
      if (!on_event(event)) {
        ec = http::error::end_of_stream;  // all there: stop reading
        break;
      }
    }
    return piece.size();
  };
  parser.on_chunk_body(on_chunk);
  beast::error_code ignored;
  http::read(*stream, buffer, parser, ignored);
}

// VmRSS and RssAnon of a process in MiB, and its PSS (each shared page divided among the
// processes that map it, so that a group's PSS adds up); -1 where it cannot be read. The rest
// of the RSS is the binary's and libraries' pages, shared with any other process mapping them.
struct Memory {
  double rss_mib = -1, anonymous_mib = -1, pss_mib = -1;
};

inline Memory MemoryOf(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  Memory memory;
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) memory.rss_mib = std::stod(line.substr(6)) / 1024.0;
    if (line.rfind("RssAnon:", 0) == 0) memory.anonymous_mib = std::stod(line.substr(8)) / 1024.0;
  }
  std::ifstream rollup("/proc/" + std::to_string(pid) + "/smaps_rollup");
  for (std::string line; std::getline(rollup, line);) {
    if (line.rfind("Pss:", 0) == 0) memory.pss_mib = std::stod(line.substr(4)) / 1024.0;
  }
  return memory;
}

// "RSS 22.7 MiB (anonymous 6.1 MiB)".
inline std::string Rss(pid_t pid) {
  Memory memory = MemoryOf(pid);
  char text[96];
  std::snprintf(text, sizeof text, "RSS %6.1f MiB (anonymous %6.1f MiB)", memory.rss_mib,
                memory.anonymous_mib);
  return text;
}

}  // namespace hostlet::bench
