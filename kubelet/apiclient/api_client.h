// The node agent's client of the Kubernetes API: JSON requests over pooled keep-alive
// connections, and watches streamed on connections of their own.
#pragma once

#include "kubelet/apiclient/kubeconfig.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace hostlet::apiclient {

namespace detail {
struct Transport;
}  // namespace detail

struct Response {
  int status = 0;  // HTTP status
  std::string body;
  bool ok() const { return status >= 200 && status < 300; }
  // The parsed body; throws std::runtime_error on a body that is not JSON.
  nlohmann::json Json() const;
  // A Status body's "message" when there is one, else the body (truncated), for error reports.
  std::string Message() const;
};

// Lets another thread end a blocking Watch at once, by shutting its socket down. One
// Cancellation may end several watches (say, all of an agent's at shutdown); it stays cancelled.
// Every member may be called from any thread.
class Cancellation {
 public:
  void Cancel();
  bool cancelled() const;

  // Used by ApiClient::Watch around the time it blocks on `socket`. Register returns false,
  // registering nothing, when already cancelled; Unregister comes before the socket is closed,
  // so Cancel never shuts down a descriptor that has been reused.
  bool Register(int socket);
  void Unregister(int socket);

 private:
  mutable std::mutex mutex_;
  bool cancelled_ = false;
  std::vector<int> sockets_;
};

class ApiClient {
 public:
  // Throws std::runtime_error when the kubeconfig's server URL, CA or client certificate is
  // unusable.
  explicit ApiClient(Kubeconfig config, std::string user_agent = "hostlet");
  ~ApiClient();
  ApiClient(ApiClient&&) noexcept;
  ApiClient& operator=(ApiClient&&) noexcept;

  // Thread-safe: many threads may call at once. Keep-alive connections are pooled (an idle one
  // is taken, or a new one opened); when the server has closed a pooled connection the request
  // is retried once on a fresh one if its verb is idempotent or it was never sent.
  // Throws std::runtime_error("<METHOD> <path>: <reason>") only when no HTTP answer came
  // (connection refused, TLS failure, no answer within the timeout, 30 s unless set); any answer,
  // error statuses included, is returned.
  Response Call(std::string_view method, const std::string& path, const std::string& body = "",
                const std::string& content_type = "application/json");
  Response Get(const std::string& path);
  Response Post(const std::string& path, const nlohmann::json& object);
  Response Put(const std::string& path, const nlohmann::json& object);
  Response Patch(const std::string& path, const nlohmann::json& patch,
                 const std::string& content_type = "application/merge-patch+json");
  // `options`: a DeleteOptions body, or null for none.
  Response Delete(const std::string& path, const nlohmann::json& options = nullptr);

  // Streams a watch on a connection of its own: GET `path` (which asks for watch=1 itself), then
  // calls on_event(event) on this thread for each watch event ({"type":..., "object":...}) as
  // it arrives. Returns Response{200, ""} when the server ends the stream, the answer when it is
  // not 200 (body included), or Response{0, ""} once `cancel` is cancelled. Throws
  // std::runtime_error when the connection cannot be made or fails mid-stream, when a line of
  // the stream is not JSON, and passes on what on_event throws.
  Response Watch(const std::string& path,
                 const std::function<void(const nlohmann::json& event)>& on_event,
                 Cancellation& cancel);

  const std::string& server() const;

  // The limit on a call, and on a watch's connecting and its answer's headers. Set it before
  // the client is shared between threads.
  void set_timeout(std::chrono::milliseconds timeout);

 private:
  Kubeconfig config_;
  std::string user_agent_;
  std::chrono::milliseconds timeout_{30'000};
  std::unique_ptr<detail::Transport> transport_;  // the parsed server, TLS context and pool
};

}  // namespace hostlet::apiclient
