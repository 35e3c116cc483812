#include "kubelet/plugins/abi_channel.h"

#include "kubelet/plugins/loader.h"

#include <mutex>

namespace hostlet::plugins {
namespace {

// Collects what a module reports through a hostlet_reply.
struct Reply {
  explicit Reply(std::string* response_out) : response(response_out) {
    raw.host_ctx = this;
    raw.set_response = [](void* self, const uint8_t* data, size_t size) {
      auto* reply = static_cast<Reply*>(self);
      if (reply->response != nullptr) reply->response->assign(reinterpret_cast<const char*>(data), size);
    };
    raw.set_error = [](void* self, int32_t code, const char* message) {
      auto* reply = static_cast<Reply*>(self);
      reply->error_code = code;
      reply->error_message = message != nullptr ? message : "";
      reply->has_error = true;
    };
  }

  // The call's status from its return code and what was reported; a module that breaks the
  // contract (an out-of-range code, success with an error) gets a status saying so.
  grpc::Status Outcome(int32_t code, const Module& module) const {
    if (code == 0) {
      if (!has_error) return {};
      return {grpc::StatusCode::INTERNAL, module.Describe() + " returned success but reported error " +
                                              std::to_string(error_code) + ": " + error_message};
    }
    std::string message = has_error ? error_message : "";
    if (message.empty()) message = module.Describe() + " failed with status " + std::to_string(code);
    if (code < 0 || code > 16) {
      return {grpc::StatusCode::UNKNOWN, module.Describe() + " returned invalid status code " +
                                             std::to_string(code) + ": " + message};
    }
    return {static_cast<grpc::StatusCode>(code), message};
  }

  hostlet_reply raw{};
  std::string* response;
  bool has_error = false;
  int32_t error_code = 0;
  std::string error_message;
};

// The host side of one hostlet_stream. Shared with the cancel callback registered on the
// writer, which may fire after the call has returned: `done` makes that a no-op.
struct StreamState {
  explicit StreamState(RawWriter& writer_in) : writer(&writer_in) {
    raw.host_ctx = this;
    raw.write = [](void* self, const uint8_t* data, size_t size) -> int32_t {
      auto* state = static_cast<StreamState*>(self);
      return state->writer->Write({reinterpret_cast<const char*>(data), size}) ? 0 : 1;
    };
    raw.is_cancelled = [](void* self) -> int32_t {
      return static_cast<StreamState*>(self)->writer->IsCancelled() ? 1 : 0;
    };
    raw.set_cancel_callback = [](void* self, void (*on_cancel)(void*), void* module_ctx) {
      auto* state = static_cast<StreamState*>(self);
      {
        std::lock_guard lock(state->mutex);
        if (state->on_cancel != nullptr) return;  // the ABI allows one per stream
        state->on_cancel = on_cancel;
        state->module_ctx = module_ctx;
      }
      std::weak_ptr<StreamState> weak = state->self;
      state->writer->OnCancel([weak] {
        if (auto alive = weak.lock()) alive->FireCancel();
      });
    };
  }

  void FireCancel() {
    std::lock_guard lock(mutex);
    if (!done && on_cancel != nullptr) on_cancel(module_ctx);
  }

  void Finish() {
    std::lock_guard lock(mutex);
    done = true;
  }

  hostlet_stream raw{};
  RawWriter* writer;
  std::weak_ptr<StreamState> self;
  std::mutex mutex;
  bool done = false;
  void (*on_cancel)(void*) = nullptr;
  void* module_ctx = nullptr;
};

}  // namespace

AbiChannel::AbiChannel(std::shared_ptr<Module> module, std::unique_ptr<InstanceHost> host,
                       const hostlet_plugin_vtable* vtable, hostlet_instance* instance)
    : module_(std::move(module)), host_(std::move(host)), vtable_(vtable), instance_(instance) {}

AbiChannel::~AbiChannel() { vtable_->destroy(instance_); }

grpc::Status AbiChannel::Unary(const char* method, std::string_view request,
                               std::string* response) {
  response->clear();
  Reply reply(response);
  int32_t code = vtable_->call(instance_, method, reinterpret_cast<const uint8_t*>(request.data()),
                               request.size(), &reply.raw);
  return reply.Outcome(code, *module_);
}

grpc::Status AbiChannel::ServerStream(const char* method, std::string_view request,
                                      RawWriter& writer) {
  auto state = std::make_shared<StreamState>(writer);
  state->self = state;
  Reply reply(nullptr);
  int32_t code = vtable_->call_stream(instance_, method,
                                      reinterpret_cast<const uint8_t*>(request.data()),
                                      request.size(), &state->raw, &reply.raw);
  state->Finish();
  if (code == 0 && !reply.has_error && writer.IsCancelled()) {
    return {grpc::StatusCode::CANCELLED, "stream cancelled"};
  }
  return reply.Outcome(code, *module_);
}

}  // namespace hostlet::plugins
