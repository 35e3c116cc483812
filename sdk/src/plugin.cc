// The module side of the ABI: turns C calls into calls on a PluginInstance and makes sure no
// C++ exception crosses back into the host.
#include <hostlet/sdk/plugin.h>

#include <atomic>
#include <mutex>

namespace hostlet {

void Host::Log(hostlet_log_level level, const std::string& message) const {
  if (raw_ != nullptr && raw_->log != nullptr) raw_->log(raw_->host_ctx, level, message.c_str());
}

const void* Host::Service(const char* id) const {
  if (raw_ == nullptr || raw_->get_service == nullptr) return nullptr;
  return raw_->get_service(raw_->host_ctx, id);
}

void PluginInstance::Serve(hostlet::Service& service) {
  for (const Method& method : service.Methods()) methods_[method.path] = {&service, &method};
}

const PluginInstance::Target* PluginInstance::Find(const char* method) const {
  auto found = methods_.find(method);
  return found == methods_.end() ? nullptr : &found->second;
}

grpc::Status PluginInstance::Call(const char* method, std::string_view request,
                                  std::string* response) {
  const Target* target = Find(method);
  if (target == nullptr || target->method->unary == nullptr) {
    return {grpc::StatusCode::UNIMPLEMENTED,
            std::string("unary method ") + method + " is not served by this plugin"};
  }
  return target->method->unary(*target->service, request, response);
}

grpc::Status PluginInstance::CallStream(const char* method, std::string_view request,
                                        RawWriter& writer) {
  const Target* target = Find(method);
  if (target == nullptr || target->method->stream == nullptr) {
    return {grpc::StatusCode::UNIMPLEMENTED,
            std::string("streaming method ") + method + " is not served by this plugin"};
  }
  return target->method->stream(*target->service, request, writer);
}

namespace detail {
namespace {

int32_t Fail(const hostlet_reply* reply, grpc::StatusCode code, const std::string& message) {
  if (reply != nullptr && reply->set_error != nullptr) {
    reply->set_error(reply->host_ctx, code, message.c_str());
  }
  return code;
}

int32_t Report(const hostlet_reply* reply, const grpc::Status& status) {
  return Fail(reply, status.error_code(), status.error_message());
}

// Runs `body`, turning an escaping exception into a status.
template <class Body>
int32_t Guard(const hostlet_reply* reply, Body&& body) {
  try {
    return body();
  } catch (const StatusError& error) {
    return Fail(reply, error.code(), error.what());
  } catch (const std::invalid_argument& error) {
    return Fail(reply, grpc::StatusCode::INVALID_ARGUMENT, error.what());
  } catch (const std::exception& error) {
    return Fail(reply, grpc::StatusCode::INTERNAL,
                std::string("plugin threw an exception: ") + error.what());
  } catch (...) {
    return Fail(reply, grpc::StatusCode::INTERNAL, "plugin threw a non-standard exception");
  }
}

// The host's hostlet_stream seen as a RawWriter.
class AbiWriter final : public RawWriter {
 public:
  explicit AbiWriter(const hostlet_stream* stream) : stream_(stream) {}
  bool Write(std::string_view message) override {
    return stream_->write(stream_->host_ctx, reinterpret_cast<const uint8_t*>(message.data()),
                          message.size()) == 0;
  }
  bool IsCancelled() const override { return stream_->is_cancelled(stream_->host_ctx) != 0; }
  void OnCancel(std::function<void()> wake) override {
    {
      std::lock_guard lock(mutex_);
      if (registered_) {
        // The ABI allows one callback per stream: chain further ones behind it.
        auto previous = std::move(wake_);
        wake_ = [previous, wake] {
          previous();
          wake();
        };
        return;
      }
      registered_ = true;
      wake_ = std::move(wake);
    }
    stream_->set_cancel_callback(stream_->host_ctx, &AbiWriter::Wake, this);
  }

 private:
  static void Wake(void* self) {
    auto* writer = static_cast<AbiWriter*>(self);
    std::function<void()> wake;
    {
      std::lock_guard lock(writer->mutex_);
      wake = writer->wake_;
    }
    if (wake) wake();
  }

  const hostlet_stream* stream_;
  std::mutex mutex_;
  bool registered_ = false;
  std::function<void()> wake_;
};

}  // namespace

int32_t Create(Factory factory, const char* config_json, size_t config_size,
               const hostlet_host* host, hostlet_instance** out, const hostlet_reply* error) {
  return Guard(error, [&]() -> int32_t {
    PluginContext context{nlohmann::json::object(), Host(host)};
    if (config_json != nullptr && config_size > 0) {
      context.config = nlohmann::json::parse(config_json, config_json + config_size, nullptr,
                                             /*allow_exceptions=*/false);
      if (context.config.is_discarded() || !context.config.is_object()) {
        return Fail(error, grpc::StatusCode::INVALID_ARGUMENT,
                    "plugin configuration is not a JSON object");
      }
    }
    std::unique_ptr<PluginInstance> instance = factory(context);
    *out = reinterpret_cast<hostlet_instance*>(instance.release());
    return 0;
  });
}

int32_t Call(hostlet_instance* instance, const char* method, const uint8_t* request,
             size_t request_size, const hostlet_reply* reply) {
  return Guard(reply, [&]() -> int32_t {
    std::string response;
    grpc::Status status = reinterpret_cast<PluginInstance*>(instance)->Call(
        method, {reinterpret_cast<const char*>(request), request_size}, &response);
    if (!status.ok()) return Report(reply, status);
    reply->set_response(reply->host_ctx, reinterpret_cast<const uint8_t*>(response.data()),
                        response.size());
    return 0;
  });
}

int32_t CallStream(hostlet_instance* instance, const char* method, const uint8_t* request,
                   size_t request_size, const hostlet_stream* stream, const hostlet_reply* reply) {
  return Guard(reply, [&]() -> int32_t {
    AbiWriter writer(stream);
    grpc::Status status = reinterpret_cast<PluginInstance*>(instance)->CallStream(
        method, {reinterpret_cast<const char*>(request), request_size}, writer);
    return status.ok() ? 0 : Report(reply, status);
  });
}

void Destroy(hostlet_instance* instance) {
  try {
    delete reinterpret_cast<PluginInstance*>(instance);
  } catch (...) {
    // A destructor that throws must not take the host down; nothing is left to report to.
  }
}

}  // namespace detail
}  // namespace hostlet
