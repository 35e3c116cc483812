// Generic bridges between hostlet::Channel and gRPC. No code per method: requests and responses
// travel as the serialized bytes of the official messages, and the only thing a bridge needs to
// know of a method is whether it streams, which the method tables of the known services tell.
#pragma once

#include <hostlet/sdk/service.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace grpc {
class Channel;
class Server;
}  // namespace grpc

namespace hostlet {

// The method of any service hostlet knows (CRI, CSI, device plugin, pod resources, plugin
// registration), or nullptr.
const Method* FindKnownMethod(std::string_view path);

// A remote gRPC endpoint (e.g. "unix:///run/containerd/containerd.sock") as a Channel.
class GrpcChannel final : public Channel {
 public:
  explicit GrpcChannel(std::shared_ptr<grpc::Channel> channel,
                       std::optional<std::chrono::milliseconds> unary_timeout = std::nullopt);
  // Insecure connection to `target`; a bare path is taken as a unix socket.
  static std::shared_ptr<GrpcChannel> Connect(const std::string& target,
                                              std::optional<std::chrono::milliseconds> unary_timeout = std::nullopt);

  grpc::Status Unary(const char* method, std::string_view request, std::string* response) override;
  grpc::Status ServerStream(const char* method, std::string_view request,
                            RawWriter& writer) override;

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::optional<std::chrono::milliseconds> unary_timeout_;
};

// Serves a Channel as the standard gRPC services on a unix socket: every method of the known
// services is forwarded; a unary call runs on a gRPC thread, a stream on a thread of its own.
class GrpcBridgeServer {
 public:
  // Removes a stale socket file at `socket_path`, then listens there; throws std::runtime_error
  // when it cannot.
  GrpcBridgeServer(std::shared_ptr<Channel> channel, const std::string& socket_path);
  ~GrpcBridgeServer();  // cancels open streams and removes the socket file
  GrpcBridgeServer(const GrpcBridgeServer&) = delete;
  GrpcBridgeServer& operator=(const GrpcBridgeServer&) = delete;

  const std::string& socket_path() const { return socket_path_; }
  void Shutdown();
  void Wait();

 private:
  class Service;
  std::string socket_path_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace hostlet
