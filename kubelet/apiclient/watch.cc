#include "kubelet/apiclient/api_client.h"

#include "kubelet/apiclient/transport.h"

#include <boost/asio/error.hpp>

#include <exception>
#include <stdexcept>

namespace hostlet::apiclient {

namespace http = boost::beast::http;
using detail::Clock;

namespace {

// An error answer's body is small; only the stream itself is unbounded.
constexpr uint64_t kErrorBodyLimit = 64 * 1024 * 1024;

// Cuts the stream into lines as its pieces arrive (an event may span chunks, or a chunk hold
// several events) and hands each complete one to on_event.
class EventLines {
 public:
  EventLines(const std::string& path, const std::function<void(const nlohmann::json&)>& on_event)
      : path_(path), on_event_(on_event) {}

  void Feed(std::string_view data) {
    while (!data.empty()) {
      size_t end = data.find('\n');
      if (end == std::string_view::npos) {
        partial_.append(data);
        return;
      }
      partial_.append(data.substr(0, end));
      data.remove_prefix(end + 1);
      Emit();
    }
  }

  // The stream ended: a last event without its newline still counts.
  void Finish() { Emit(); }

 private:
  void Emit() {
    std::string line = std::move(partial_);
    partial_.clear();
    if (line.find_first_not_of(" \t\r") == std::string::npos) return;
    nlohmann::json event = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (event.is_discarded()) {
      throw std::runtime_error("GET " + path_ +
                               ": watch stream line is not JSON: " + line.substr(0, 200));
    }
    on_event_(event);
  }

  const std::string& path_;
  const std::function<void(const nlohmann::json&)>& on_event_;
  std::string partial_;
};

// Keeps the watch's socket registered with its Cancellation while the watch may block on it.
class Registration {
 public:
  Registration(Cancellation& cancel, int socket)
      : cancel_(cancel), socket_(socket), registered_(cancel.Register(socket)) {}
  ~Registration() {
    if (registered_) cancel_.Unregister(socket_);
  }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  explicit operator bool() const { return registered_; }

 private:
  Cancellation& cancel_;
  int socket_;
  bool registered_;
};

}  // namespace

Response ApiClient::Watch(const std::string& path,
                          const std::function<void(const nlohmann::json& event)>& on_event,
                          Cancellation& cancel) {
  const Response cancelled{0, ""};
  if (cancel.cancelled()) return cancelled;
  detail::Request request = transport_->MakeRequest(http::verb::get, path, "", "");
  request.keep_alive(false);  // the connection is the stream's alone and ends with it
  std::unique_ptr<detail::Connection> connection = transport_->NewConnection();
  detail::ResponseParser parser;
  EventLines lines(path, on_event);
  std::exception_ptr failure;  // from on_event or a bad line, thrown inside the read
  const Clock::time_point deadline = Clock::now() + timeout_;
  try {
    connection->Connect(deadline);
    // Declared after the connection, so it unregisters before the socket is closed.
    Registration registration(cancel, connection->native_handle());
    if (!registration) return cancelled;
    connection->EnableTcpKeepAlive();
    connection->Write(request, deadline);
    parser.body_limit(kErrorBodyLimit);
    connection->ReadHeader(parser, deadline);
    if (parser.get().result_int() != 200) {
      connection->Read(parser, deadline);
      return Response{static_cast<int>(parser.get().result_int()), std::move(parser.get().body())};
    }
    parser.body_limit(boost::none);
    // Chunks go to the lines as they arrive rather than into the body. The parser keeps a
    // reference to the callback, which lives until the read is over.
    auto on_chunk = [&](uint64_t, boost::beast::string_view data, boost::system::error_code& code) {
      try {
        lines.Feed(std::string_view(data.data(), data.size()));
      } catch (...) {
        failure = std::current_exception();
        code = boost::asio::error::operation_aborted;  // ends the read
      }
      return data.size();
    };
    parser.on_chunk_body(on_chunk);
    // No deadline: a watch is quiet for as long as nothing changes; a dead peer is noticed by
    // TCP keepalive and a cancelled one by its socket being shut down.
    connection->Read(parser, std::nullopt);
    // A server that answered without chunked encoding left the stream in the body.
    lines.Feed(parser.get().body());
    lines.Finish();
    return Response{200, ""};
  } catch (const detail::ConnectionError& error) {
    if (failure) std::rethrow_exception(failure);
    if (cancel.cancelled()) return cancelled;
    throw std::runtime_error("GET " + path + ": " + error.what());
  }
}

}  // namespace hostlet::apiclient
