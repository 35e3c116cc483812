#include "controlplane/apiserver/http_server.h"

#include "controlplane/apiserver/api_status.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <malloc.h>
#include <sys/socket.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <deque>
#include <optional>
#include <type_traits>
#include <vector>

namespace hostlet::apiserver {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Kubernetes' own limit on a request body is 3 MiB.
constexpr uint64_t kBodyLimit = 3 * 1024 * 1024;
// An idle keep-alive connection is closed after this; kubectl reconnects.
constexpr std::chrono::seconds kIdleTimeout(120);
// How long a closing connection keeps reading what the client still sends.
constexpr std::chrono::seconds kLingerTimeout(5);
// After an answer larger than this the allocator is asked to give freed memory back.
constexpr size_t kTrimAfterBytes = 1024 * 1024;
// A client must finish the TLS handshake within this.
constexpr std::chrono::seconds kHandshakeTimeout(10);
// A streamed answer whose client falls this many bytes behind is ended; a watch client then
// re-lists, which costs it less than the server buffering without bound. Large enough for the
// initial state of a watch of 10,000 pods, which is queued at once.
constexpr size_t kMaxQueuedBytes = 64 * 1024 * 1024;

std::string Lower(const std::string& text) {
  std::string lower(text);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

Request ToRequest(const http::request<http::string_body>& message) {
  Request request;
  request.method = std::string(message.method_string());
  std::string target(message.target());
  auto question = target.find('?');
  request.path = target.substr(0, question);
  if (question != std::string::npos) request.query = target.substr(question + 1);
  for (const auto& field : message) {
    auto name = Lower(std::string(field.name_string()));
    auto& value = request.headers[name];
    // Repeated headers combine as RFC 9110 says, comma-separated.
    value = value.empty() ? std::string(field.value()) : value + "," + std::string(field.value());
  }
  request.body = message.body();
  return request;
}

http::response<http::string_body> ToMessage(Response response, unsigned version, bool keep_alive) {
  http::response<http::string_body> message{static_cast<http::status>(response.status), version};
  message.set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) message.insert(name, value);
  message.keep_alive(keep_alive);
  message.body() = std::move(response.body);
  if (response.chunked) {
    message.chunked(true);
  } else {
    message.prepare_payload();
  }
  return message;
}

// The common name of the peer's certificate when the handshake verified one, else "".
std::string VerifiedClientName(SSL* ssl) {
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return "";
  char name[256] = {};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, name, sizeof name) <
      0) {
    return "";
  }
  return name;
}

// What a producer's stream needs of the connection, whatever its transport.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Both are called on the connection's strand only (SessionStream posts them there).
  virtual void QueuePiece(std::string piece) = 0;
  virtual void EndStream() = 0;
  virtual asio::any_io_executor executor() = 0;
};

// The producer's handle on a streamed answer. It holds the session weakly: a producer that
// outlives the connection writes into nothing.
class SessionStream : public BodyStream {
 public:
  explicit SessionStream(std::weak_ptr<SessionBase> session) : session_(std::move(session)) {}
  bool Write(std::string piece) override;
  void End() override;
  void MarkEnded() { ended_ = true; }

 private:
  std::weak_ptr<SessionBase> session_;
  std::atomic<bool> ended_{false};
};

// One connection: `Stream` is beast::tcp_stream for plain HTTP or an ssl_stream over one.
template <typename Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <typename... TransportArguments>
  Session(const Router& router, tcp::socket socket, TransportArguments&&... transport)
      : stream_(std::move(socket), std::forward<TransportArguments>(transport)...),
        router_(router),
        timer_(stream_.get_executor()) {}

  void Start() {
    // Start on the connection's strand, which every later step of it keeps.
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->lowest().expires_after(kHandshakeTimeout);
        self->stream_.async_handshake(asio::ssl::stream_base::server,
                                      [self](beast::error_code error) {
                                        if (!error) self->Read();
                                      });
      } else {
        self->Read();
      }
    });
  }

  void QueuePiece(std::string piece) override {
    if (!streaming_ || ending_) return;
    if (queued_bytes_ + piece.size() > kMaxQueuedBytes) return EndStream();
    queued_bytes_ += piece.size();
    pieces_.push_back(std::move(piece));
    if (!writing_) WriteNextPiece();
  }

  void EndStream() override {
    if (!streaming_ || ending_) return;
    ending_ = true;
    if (!writing_) WriteNextPiece();
  }

  asio::any_io_executor executor() override { return stream_.get_executor(); }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void Read() {
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    lowest().expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code error, size_t) {
                       self->OnRead(error);
                     });
  }

  void OnRead(beast::error_code error) {
    if (error == http::error::end_of_stream) return Close();
    if (error == http::error::body_limit) {
      return Write(ErrorResponse(
                       {413, "RequestEntityTooLarge", "the request body is larger than 3 MiB", {}}),
                   11, false);
    }
    if (error) return;  // Timeout, reset or garbage: drop the connection.
    auto message = parser_->release();
    Request request = ToRequest(message);
    if constexpr (kTls) request.client_common_name = VerifiedClientName(stream_.native_handle());
    Response response = router_.Dispatch(request);
    if (response.stream) return StartStream(std::move(response), message.version());
    Write(std::move(response), message.version(), message.keep_alive());
  }

  void Write(Response response, unsigned version, bool keep_alive) {
    response_ = ToMessage(std::move(response), version, keep_alive);
    http::async_write(
        stream_, response_,
        [self = this->shared_from_this(), keep_alive](beast::error_code error, size_t written) {
          if (written > kTrimAfterBytes) {
            // A large answer (a list of thousands of objects) was built from JSON trees many
            // times its size; glibc keeps that memory in its arenas unless asked to return it.
            self->response_ = {};
            malloc_trim(0);
          }
          if (error) return;
          if (keep_alive) return self->Read();
          self->Close();
        });
  }

  // A streamed answer: the headers, then a chunk per piece the producer writes, until it ends
  // it, the timeout passes or the client goes away; then the connection closes.
  void StartStream(Response response, unsigned version) {
    auto header = std::make_shared<http::response<http::empty_body>>(
        static_cast<http::status>(response.status), version);
    header->set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) header->insert(name, value);
    header->keep_alive(false);
    header->chunked(true);
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*header);
    lowest().expires_after(kIdleTimeout);
    http::async_write_header(
        stream_, *serializer,
        [self = this->shared_from_this(), header, serializer, producer = std::move(response.stream),
         timeout = response.stream_timeout, tick = std::move(response.tick),
         period = response.tick_period](beast::error_code error, size_t) {
          self->lowest().expires_never();
          if (error) return self->Close();
          self->streaming_ = true;
          self->deadline_ = std::chrono::steady_clock::now() + timeout;
          self->tick_ = std::move(tick);
          self->tick_period_ = period;
          self->ArmTimer();
          self->WatchForHangUp();
          self->body_ = std::make_shared<SessionStream>(self);
          self->producer_ = producer(self->body_);
        });
  }

  // The client sends no more requests on a streaming connection, so its socket turning
  // readable with nothing to read means it hung up. Readiness can also be spurious, or be a
  // record of the client's TLS layer; neither ends the stream.
  void WatchForHangUp() {
    lowest().socket().async_wait(
        tcp::socket::wait_read, [self = this->shared_from_this()](beast::error_code error) {
          if (error || !self->streaming_) return self->StopStream();
          char byte;
          ssize_t peeked =
              ::recv(self->lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
          if (peeked == 0) return self->StopStream();  // the client closed its end
          if (peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            return self->WatchForHangUp();
          }
          if (peeked < 0) return self->StopStream();  // reset
          // Bytes the client sent are left unread (they may be TLS state); a client that is
          // gone is then noticed by the next write failing or timing out.
        });
  }

  // Wakes for the next tick or the deadline, whichever is first. At the deadline the last
  // tick's pieces are queued before the end: both are posted to this strand, in order.
  void ArmTimer() {
    auto next = deadline_;
    if (tick_ && std::chrono::steady_clock::now() + tick_period_ < deadline_) {
      next = std::chrono::steady_clock::now() + tick_period_;
    }
    timer_.expires_at(next);
    timer_.async_wait([self = this->shared_from_this()](beast::error_code error) {
      if (error || !self->streaming_) return;
      bool last = std::chrono::steady_clock::now() >= self->deadline_;
      if (self->tick_) self->tick_();
      if (!last) return self->ArmTimer();
      asio::post(self->stream_.get_executor(), [self] { self->EndStream(); });
    });
  }

  void WriteNextPiece() {
    if (pieces_.empty()) {
      if (ending_) FinishStream();
      return;
    }
    writing_ = true;
    // A client that stops reading would otherwise hold its watch forever.
    lowest().expires_after(kIdleTimeout);
    asio::async_write(stream_, http::make_chunk(asio::buffer(pieces_.front())),
                      [self = this->shared_from_this()](beast::error_code error, size_t) {
                        self->writing_ = false;
                        self->lowest().expires_never();
                        if (error || !self->streaming_) return self->StopStream();
                        self->queued_bytes_ -= self->pieces_.front().size();
                        self->pieces_.pop_front();
                        self->WriteNextPiece();
                      });
  }

  void FinishStream() {
    writing_ = true;
    lowest().expires_after(kLingerTimeout);
    asio::async_write(stream_, http::make_chunk_last(),
                      [self = this->shared_from_this()](beast::error_code, size_t) {
                        self->writing_ = false;
                        self->StopStream();
                      });
  }

  // Releases the producer and closes the connection; the pending wait and timer then finish
  // as cancelled, and the session goes away with the last of them.
  void StopStream() {
    if (!streaming_) return;
    streaming_ = false;
    if (body_) body_->MarkEnded();
    producer_.reset();
    tick_ = nullptr;
    timer_.cancel();
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().socket().close(ignored);
  }

  // A lingering close: the answer is out, so stop sending, then read and discard whatever the
  // client still sends (the rest of an oversized body) until it closes or a few seconds pass.
  // Closing with unread input would reset the connection and could destroy the answer in
  // flight before the client reads it. Over TLS the same holds one layer down: the answer is
  // complete (Connection: close), so a FIN without close_notify loses the client nothing.
  void Close() {
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    lowest().expires_after(kLingerTimeout);
    Drain();
  }

  void Drain() {
    drain_buffer_.resize(64 * 1024);
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            [self = this->shared_from_this()](beast::error_code error, size_t) {
                              if (!error) self->Drain();
                            });
  }

  Stream stream_;
  const Router& router_;
  beast::flat_buffer buffer_;
  std::vector<char> drain_buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;

  // The streamed answer's state.
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_;
  std::function<void()> tick_;
  std::chrono::seconds tick_period_{60};
  bool streaming_ = false;
  bool ending_ = false;
  bool writing_ = false;
  std::deque<std::string> pieces_;
  size_t queued_bytes_ = 0;
  std::shared_ptr<SessionStream> body_;
  std::shared_ptr<void> producer_;
};

bool SessionStream::Write(std::string piece) {
  if (ended_) return false;
  auto session = session_.lock();
  if (!session) return false;
  asio::post(session->executor(), [session, piece = std::move(piece)]() mutable {
    session->QueuePiece(std::move(piece));
  });
  return true;
}

void SessionStream::End() {
  if (ended_.exchange(true)) return;
  if (auto session = session_.lock()) {
    asio::post(session->executor(), [session] { session->EndStream(); });
  }
}

}  // namespace

HttpServer::HttpServer(const Router& router, const tcp::endpoint& endpoint,
                       const ServingCertificate* tls, const std::string& client_ca_pem)
    : router_(router), acceptor_(context_) {
  if (tls != nullptr) {
    tls_.emplace(asio::ssl::context::tls_server);
    // TLS 1.2 is the oldest version kube-apiserver accepts by default.
    tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    tls_->use_certificate_chain(asio::buffer(tls->cert_pem));
    tls_->use_private_key(asio::buffer(tls->key_pem), asio::ssl::context::pem);
    if (!client_ca_pem.empty()) {
      tls_->add_certificate_authority(asio::buffer(client_ca_pem));
      // Asked for, not required: unauthenticated paths (/healthz) stay reachable.
      tls_->set_verify_mode(asio::ssl::verify_peer);
      // A session resumed on another connection must keep the same client identity rules.
      SSL_CTX_set_session_id_context(tls_->native_handle(),
                                     reinterpret_cast<const unsigned char*>("hostlet"), 7);
    }
  }
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  Accept();
}

HttpServer::~HttpServer() { Stop(); }

tcp::endpoint HttpServer::local_endpoint() const { return acceptor_.local_endpoint(); }

void HttpServer::Accept() {
  // Each connection gets its own strand, so its handlers never run at once on two threads.
  acceptor_.async_accept(asio::make_strand(context_),
                         [this](beast::error_code error, tcp::socket socket) {
                           if (error == asio::error::operation_aborted) return;
                           if (!error) StartSession(std::move(socket));
                           Accept();
                         });
}

void HttpServer::StartSession(tcp::socket socket) {
  if (tls_) {
    std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(router_, std::move(socket),
                                                                    *tls_)
        ->Start();
  } else {
    std::make_shared<Session<beast::tcp_stream>>(router_, std::move(socket))->Start();
  }
}

void HttpServer::Run(unsigned threads) {
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([this] { context_.run(); });
  context_.run();
  for (auto& thread : pool) thread.join();
}

void HttpServer::Stop() { context_.stop(); }

}  // namespace hostlet::apiserver
