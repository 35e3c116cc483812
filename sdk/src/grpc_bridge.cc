#include <hostlet/sdk/grpc_bridge.h>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/impl/codegen/rpc_method.h>
#include <grpcpp/impl/codegen/sync_stream.h>

#include <condition_variable>
#include <filesystem>
#include <list>
#include <mutex>
#include <thread>

namespace hostlet {
namespace {

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  bytes.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

grpc::ByteBuffer Wrap(std::string_view bytes) {
  grpc::Slice slice(bytes.data(), bytes.size());
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace

GrpcChannel::GrpcChannel(std::shared_ptr<grpc::Channel> channel,
                         std::optional<std::chrono::milliseconds> unary_timeout)
    : channel_(std::move(channel)), unary_timeout_(unary_timeout) {}

std::shared_ptr<GrpcChannel> GrpcChannel::Connect(
    const std::string& target, std::optional<std::chrono::milliseconds> unary_timeout) {
  std::string address = target.starts_with("/") ? "unix://" + target : target;
  return std::make_shared<GrpcChannel>(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()), unary_timeout);
}

grpc::Status GrpcChannel::Unary(const char* method, std::string_view request,
                                std::string* response) {
  grpc::ClientContext context;
  if (unary_timeout_) context.set_deadline(std::chrono::system_clock::now() + *unary_timeout_);
  grpc::ByteBuffer request_buffer = Wrap(request);
  grpc::ByteBuffer response_buffer;
  grpc::internal::RpcMethod rpc(method, grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::Status status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      channel_.get(), rpc, &context, request_buffer, &response_buffer);
  if (status.ok()) *response = Flatten(response_buffer);
  return status;
}

grpc::Status GrpcChannel::ServerStream(const char* method, std::string_view request,
                                       RawWriter& writer) {
  // Shared with the cancel callback, which may outlive this call.
  auto context = std::make_shared<grpc::ClientContext>();
  writer.OnCancel([context] { context->TryCancel(); });
  grpc::internal::RpcMethod rpc(method, grpc::internal::RpcMethod::SERVER_STREAMING);
  grpc::ByteBuffer request_buffer = Wrap(request);
  std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
      grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(channel_.get(), rpc,
                                                                     context.get(), request_buffer));
  grpc::ByteBuffer message;
  while (reader->Read(&message)) {
    if (!writer.Write(Flatten(message))) {
      context->TryCancel();
      break;
    }
  }
  return reader->Finish();
}

// One call served from the channel. Unary calls complete inline on the gRPC thread that read
// the request; a stream gets its own thread, which blocks on each write until gRPC has sent it.
class BridgeReactor final : public grpc::ServerGenericBidiReactor, public RawWriter {
 public:
  BridgeReactor(std::shared_ptr<Channel> channel, grpc::GenericCallbackServerContext* context)
      : channel_(std::move(channel)), method_path_(context->method()) {
    method_ = FindKnownMethod(method_path_);
    if (method_ == nullptr) {
      Finish({grpc::StatusCode::UNIMPLEMENTED, "unknown method " + method_path_});
      return;
    }
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish({grpc::StatusCode::INVALID_ARGUMENT, "no request message for " + method_path_});
      return;
    }
    std::string request = Flatten(request_);
    if (!method_->server_streaming) {
      std::string response;
      grpc::Status status = channel_->Unary(method_path_.c_str(), request, &response);
      if (!status.ok()) {
        Finish(status);
        return;
      }
      response_ = Wrap(response);
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
      return;
    }
    worker_ = std::thread([this, request = std::move(request)] {
      grpc::Status status = channel_->ServerStream(method_path_.c_str(), request, *this);
      Finish(status);
    });
  }

  // RawWriter, called from the stream's thread.
  bool Write(std::string_view message) override {
    {
      std::lock_guard lock(mutex_);
      if (cancelled_) return false;
      response_ = Wrap(message);
      write_pending_ = true;
    }
    // Not under the lock: gRPC may run OnWriteDone before StartWrite returns.
    StartWrite(&response_);
    std::unique_lock lock(mutex_);
    written_.wait(lock, [this] { return !write_pending_; });
    return write_ok_ && !cancelled_;
  }
  bool IsCancelled() const override {
    std::lock_guard lock(mutex_);
    return cancelled_;
  }
  void OnCancel(std::function<void()> wake) override {
    {
      std::lock_guard lock(mutex_);
      if (!cancelled_) {
        wakes_.push_back(std::move(wake));
        return;
      }
    }
    wake();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mutex_);
    write_pending_ = false;
    write_ok_ = ok;
    written_.notify_all();
  }

  void OnCancel() override { Cancel(); }

  void OnDone() override {
    Cancel();
    if (worker_.joinable()) {
      // gRPC may finish the call inline on the stream's own thread.
      if (worker_.get_id() == std::this_thread::get_id()) {
        worker_.detach();
      } else {
        worker_.join();
      }
    }
    delete this;
  }

 private:
  void Cancel() {
    std::vector<std::function<void()>> wakes;
    {
      std::lock_guard lock(mutex_);
      if (cancelled_) return;
      cancelled_ = true;
      wakes.swap(wakes_);
      written_.notify_all();
    }
    for (auto& wake : wakes) wake();
  }

  std::shared_ptr<Channel> channel_;
  std::string method_path_;
  const Method* method_ = nullptr;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::thread worker_;
  mutable std::mutex mutex_;
  std::condition_variable written_;
  bool write_pending_ = false;
  bool write_ok_ = true;
  bool cancelled_ = false;
  std::vector<std::function<void()>> wakes_;
};

class GrpcBridgeServer::Service final : public grpc::CallbackGenericService {
 public:
  explicit Service(std::shared_ptr<Channel> channel) : channel_(std::move(channel)) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* context) override {
    return new BridgeReactor(channel_, context);
  }

 private:
  std::shared_ptr<Channel> channel_;
};

GrpcBridgeServer::GrpcBridgeServer(std::shared_ptr<Channel> channel, const std::string& socket_path)
    : socket_path_(socket_path), service_(std::make_unique<Service>(std::move(channel))) {
  std::error_code ignored;
  std::filesystem::remove(socket_path_, ignored);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix://" + socket_path_, grpc::InsecureServerCredentials());
  builder.RegisterCallbackGenericService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr) {
    throw std::runtime_error("cannot serve gRPC on unix socket " + socket_path_);
  }
}

GrpcBridgeServer::~GrpcBridgeServer() {
  Shutdown();
  std::error_code ignored;
  std::filesystem::remove(socket_path_, ignored);
}

void GrpcBridgeServer::Shutdown() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
}

void GrpcBridgeServer::Wait() {
  if (server_) server_->Wait();
}

}  // namespace hostlet
