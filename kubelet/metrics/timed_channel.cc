#include "kubelet/metrics/timed_channel.h"

#include <cctype>
#include <chrono>
#include <cstring>

namespace hostlet::metrics {
namespace {

class Timed final : public Channel {
 public:
  Timed(std::shared_ptr<Channel> inner, CallObserver observe)
      : inner_(std::move(inner)), observe_(std::move(observe)) {}

  grpc::Status Unary(const char* method, std::string_view request, std::string* response) override {
    auto started = std::chrono::steady_clock::now();
    grpc::Status status = inner_->Unary(method, request, response);
    Report(method, started, status);
    return status;
  }

  grpc::Status ServerStream(const char* method, std::string_view request,
                            RawWriter& writer) override {
    auto started = std::chrono::steady_clock::now();
    grpc::Status status = inner_->ServerStream(method, request, writer);
    Report(method, started, status);
    return status;
  }

 private:
  void Report(const char* method, std::chrono::steady_clock::time_point started,
              const grpc::Status& status) {
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    observe_(method, took.count(), status.ok());
  }

  std::shared_ptr<Channel> inner_;
  CallObserver observe_;
};

}  // namespace

std::shared_ptr<Channel> TimedChannel(std::shared_ptr<Channel> inner, CallObserver observe) {
  return std::make_shared<Timed>(std::move(inner), std::move(observe));
}

std::string MethodName(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash == nullptr ? path : slash + 1;
}

std::string OperationType(const char* path) {
  std::string name = MethodName(path);
  // "PodSandbox" is one word in the upstream kubelet's names.
  for (size_t at = name.find("PodSandbox"); at != std::string::npos;
       at = name.find("PodSandbox", at + 10)) {
    name.replace(at, 10, "Podsandbox");
  }
  std::string snake;
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (std::isupper(c) && i > 0) snake += '_';
    snake += static_cast<char>(std::tolower(c));
  }
  return snake;
}

}  // namespace hostlet::metrics
