// Building blocks shared by the generated service classes (`<package>::<Service>Base` and
// `<package>::<Service>Proxy`, made by protoc-gen-hostlet from the .proto files) and by the
// transports that carry their calls.
#pragma once

#include <grpcpp/support/status.h>

#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace hostlet {

// Success is returned as a default-constructed grpc::Status, never grpc::Status::OK: that
// constant is defined in libgrpc++, and it would be the only symbol a module or the CNI binary
// needs from it, making every exec of a CNI plugin load gRPC's fifty libraries (10 ms).

// The untyped end of a server-streaming call: serialized messages go in, and it carries the
// stream's cancellation. Implementations are thread-safe for IsCancelled/OnCancel.
class RawWriter {
 public:
  virtual ~RawWriter() = default;
  // Returns false once the stream is cancelled or broken; the producer should then stop.
  virtual bool Write(std::string_view message) = 0;
  virtual bool IsCancelled() const = 0;
  // Registers a function called once, from the cancelling thread, when the stream is cancelled
  // (at once if it already is), so a producer blocked on its own events can wake up.
  virtual void OnCancel(std::function<void()> wake) = 0;
};

// The typed end of a server-streaming call, as service methods see it.
template <class Message>
class Writer {
 public:
  virtual ~Writer() = default;
  virtual bool Write(const Message& message) = 0;
  virtual bool IsCancelled() const = 0;
  virtual void OnCancel(std::function<void()> wake) = 0;
};

// A typed writer over a raw one: serializes each message.
template <class Message>
class SerializingWriter final : public Writer<Message> {
 public:
  explicit SerializingWriter(RawWriter& raw) : raw_(raw) {}
  bool Write(const Message& message) override {
    std::string bytes;
    if (!message.SerializeToString(&bytes)) return false;
    return raw_.Write(bytes);
  }
  bool IsCancelled() const override { return raw_.IsCancelled(); }
  void OnCancel(std::function<void()> wake) override { raw_.OnCancel(std::move(wake)); }

 private:
  RawWriter& raw_;
};

// A raw writer over a typed one: parses each message; a message that does not parse breaks the
// stream and is reported through error().
template <class Message>
class ParsingWriter final : public RawWriter {
 public:
  explicit ParsingWriter(Writer<Message>& typed) : typed_(typed) {}
  bool Write(std::string_view bytes) override {
    Message message;
    if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      malformed_ = true;
      return false;
    }
    return typed_.Write(message);
  }
  bool IsCancelled() const override { return malformed_ || typed_.IsCancelled(); }
  void OnCancel(std::function<void()> wake) override { typed_.OnCancel(std::move(wake)); }
  bool malformed() const { return malformed_; }

 private:
  Writer<Message>& typed_;
  bool malformed_ = false;
};

class Service;

// One method of a service, as the generated code describes it.
struct Method {
  const char* path;  // "/package.Service/Method", the gRPC path
  bool server_streaming;
  grpc::Status (*unary)(Service& service, std::string_view request, std::string* response);
  grpc::Status (*stream)(Service& service, std::string_view request, RawWriter& writer);
};

// Base of every generated `<Service>Base` class: it lists its methods so that a transport can
// dispatch calls by gRPC path without code per method.
class Service {
 public:
  virtual ~Service() = default;
  virtual std::span<const Method> Methods() const = 0;
};

// The untyped transport behind a generated `<Service>Proxy`: an in-process module through the C
// ABI, a remote gRPC endpoint, or a C++ object in this process. Calls may come from any thread.
class Channel {
 public:
  virtual ~Channel() = default;
  virtual grpc::Status Unary(const char* method, std::string_view request,
                             std::string* response) = 0;
  // Blocks for the life of the stream; returns its final status.
  virtual grpc::Status ServerStream(const char* method, std::string_view request,
                                    RawWriter& writer) = 0;
};

}  // namespace hostlet

// The pieces generated code expands to: parse, call, serialize, and the reverse in proxies.
namespace hostlet::detail {

std::string MalformedMessage(const char* what, const char* type, const char* path);

template <class S, class Request, class Response>
grpc::Status InvokeUnary(S& service, grpc::Status (S::*method)(const Request&, Response*),
                         const char* path, std::string_view request, std::string* response) {
  Request typed_request;
  if (!typed_request.ParseFromArray(request.data(), static_cast<int>(request.size()))) {
    return {grpc::StatusCode::INVALID_ARGUMENT,
            MalformedMessage("request", Request::descriptor()->full_name().c_str(), path)};
  }
  Response typed_response;
  grpc::Status status = (service.*method)(typed_request, &typed_response);
  if (!status.ok()) return status;
  if (!typed_response.SerializeToString(response)) {
    return {grpc::StatusCode::INTERNAL,
            MalformedMessage("response", Response::descriptor()->full_name().c_str(), path)};
  }
  return {};
}

template <class S, class Request, class Response>
grpc::Status InvokeStream(S& service,
                          grpc::Status (S::*method)(const Request&, Writer<Response>*),
                          const char* path, std::string_view request, RawWriter& raw) {
  Request typed_request;
  if (!typed_request.ParseFromArray(request.data(), static_cast<int>(request.size()))) {
    return {grpc::StatusCode::INVALID_ARGUMENT,
            MalformedMessage("request", Request::descriptor()->full_name().c_str(), path)};
  }
  SerializingWriter<Response> writer(raw);
  return (service.*method)(typed_request, &writer);
}

template <class Request, class Response>
grpc::Status ProxyUnary(Channel& channel, const char* path, const Request& request,
                        Response* response) {
  std::string bytes;
  if (!request.SerializeToString(&bytes)) {
    return {grpc::StatusCode::INVALID_ARGUMENT,
            MalformedMessage("request", Request::descriptor()->full_name().c_str(), path)};
  }
  std::string reply;
  grpc::Status status = channel.Unary(path, bytes, &reply);
  if (!status.ok()) return status;
  if (!response->ParseFromString(reply)) {
    return {grpc::StatusCode::INTERNAL,
            MalformedMessage("response", Response::descriptor()->full_name().c_str(), path)};
  }
  return {};
}

template <class Request, class Response>
grpc::Status ProxyStream(Channel& channel, const char* path, const Request& request,
                         Writer<Response>* writer) {
  std::string bytes;
  if (!request.SerializeToString(&bytes)) {
    return {grpc::StatusCode::INVALID_ARGUMENT,
            MalformedMessage("request", Request::descriptor()->full_name().c_str(), path)};
  }
  ParsingWriter<Response> raw(*writer);
  grpc::Status status = channel.ServerStream(path, bytes, raw);
  if (raw.malformed()) {
    return {grpc::StatusCode::INTERNAL,
            MalformedMessage("stream message", Response::descriptor()->full_name().c_str(), path)};
  }
  return status;
}

}  // namespace hostlet::detail
