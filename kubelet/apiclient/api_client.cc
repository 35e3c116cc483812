#include "kubelet/apiclient/api_client.h"

#include "kubelet/apiclient/transport.h"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>

#include <stdexcept>

namespace hostlet::apiclient {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using detail::Clock;
using detail::ConnectionError;
using detail::Step;

namespace {

// A body larger than this is not an object the agent reads.
constexpr uint64_t kBodyLimit = 64 * 1024 * 1024;

// Verbs a server may see twice without harm (RFC 9110 9.2.2); POST and PATCH are not.
bool Idempotent(http::verb verb) { return verb != http::verb::post && verb != http::verb::patch; }

// Whether a failure on a connection taken from the pool may be retried on a fresh one: the
// server closed it while idle, before anything of the request could have been processed (a
// write failed) or, for idempotent verbs, before it answered anything.
bool Retryable(const ConnectionError& error, bool idempotent, bool got_some) {
  if (error.code == boost::beast::error::timeout) return false;
  if (error.step == Step::kWrite) return true;
  if (error.step != Step::kRead || !idempotent || got_some) return false;
  return error.code == http::error::end_of_stream || error.code == asio::error::eof ||
         error.code == asio::error::connection_reset ||
         error.code == asio::ssl::error::stream_truncated;
}

}  // namespace

ApiClient::ApiClient(Kubeconfig config, std::string user_agent)
    : config_(std::move(config)), user_agent_(std::move(user_agent)) {
  try {
    transport_ = std::make_unique<detail::Transport>(config_, user_agent_);
  } catch (const std::exception& error) {
    throw std::runtime_error("apiserver client for " + config_.server + ": " + error.what());
  }
}

ApiClient::~ApiClient() = default;
ApiClient::ApiClient(ApiClient&&) noexcept = default;
ApiClient& ApiClient::operator=(ApiClient&&) noexcept = default;

const std::string& ApiClient::server() const { return config_.server; }

void ApiClient::set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

Response ApiClient::Call(std::string_view method, const std::string& path, const std::string& body,
                         const std::string& content_type) {
  const std::string what = std::string(method) + " " + path;
  const http::verb verb = http::string_to_verb({method.data(), method.size()});
  if (verb == http::verb::unknown) throw std::runtime_error(what + ": unknown HTTP method");
  detail::Request request = transport_->MakeRequest(verb, path, body, content_type);

  std::unique_ptr<detail::Connection> connection = transport_->pool.Take();
  bool pooled = connection != nullptr;
  while (true) {
    const Clock::time_point deadline = Clock::now() + timeout_;
    detail::ResponseParser parser;
    parser.body_limit(kBodyLimit);
    if (verb == http::verb::head) parser.skip(true);  // a HEAD answer has headers only
    try {
      if (!connection) {
        connection = transport_->NewConnection();
        connection->Connect(deadline);
      }
      connection->Write(request, deadline);
      connection->Read(parser, deadline);
    } catch (const ConnectionError& error) {
      connection.reset();
      if (pooled && Retryable(error, Idempotent(verb), parser.got_some())) {
        pooled = false;  // once, on a fresh connection
        continue;
      }
      throw std::runtime_error(what + ": " + error.what());
    }
    auto& message = parser.get();
    Response response{static_cast<int>(message.result_int()), std::move(message.body())};
    if (message.keep_alive()) transport_->pool.Put(std::move(connection));
    return response;
  }
}

Response ApiClient::Get(const std::string& path) { return Call("GET", path); }

Response ApiClient::Post(const std::string& path, const nlohmann::json& object) {
  return Call("POST", path, object.dump());
}

Response ApiClient::Put(const std::string& path, const nlohmann::json& object) {
  return Call("PUT", path, object.dump());
}

Response ApiClient::Patch(const std::string& path, const nlohmann::json& patch,
                          const std::string& content_type) {
  return Call("PATCH", path, patch.dump(), content_type);
}

Response ApiClient::Delete(const std::string& path, const nlohmann::json& options) {
  return Call("DELETE", path, options.is_null() ? "" : options.dump());
}

}  // namespace hostlet::apiclient
