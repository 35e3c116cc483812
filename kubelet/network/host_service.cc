#include "kubelet/network/host_service.h"

#include "kubelet/network/error.h"

#include <grpcpp/support/status.h>

#include <cstring>

namespace hostlet::network {
namespace {

// The version written in error objects this service makes itself.
constexpr char kErrorVersion[] = "1.1.0";

std::string Text(const nlohmann::json& request, const char* key) {
  auto found = request.find(key);
  if (found == request.end() || found->is_null()) return "";
  if (!found->is_string()) {
    throw Error(kCniDecodeFailure, std::string("request field \"") + key + "\" is not a string");
  }
  return found->get<std::string>();
}

int32_t Reply(const hostlet_reply* reply, grpc::StatusCode code, const std::string& message) {
  reply->set_error(reply->host_ctx, code, message.c_str());
  return code;
}

}  // namespace

Attachment AttachmentFromRequest(const nlohmann::json& request) {
  if (!request.is_object()) throw Error(kCniDecodeFailure, "request is not a JSON object");
  Attachment attachment;
  attachment.container_id = Text(request, "containerID");
  attachment.netns = Text(request, "netns");
  attachment.if_name = Text(request, "ifName");
  if (attachment.if_name.empty()) attachment.if_name = "eth0";
  // As the kubelet passes them; IgnoreUnknown lets plugins that parse CNI_ARGS strictly (the
  // reference host-local, for one) accept keys they do not know.
  attachment.args = {{"IgnoreUnknown", "1"},
                     {"K8S_POD_NAMESPACE", Text(request, "podNamespace")},
                     {"K8S_POD_NAME", Text(request, "podName")},
                     {"K8S_POD_INFRA_CONTAINER_ID", attachment.container_id},
                     {"K8S_POD_UID", Text(request, "podUID")}};
  if (auto mappings = request.find("portMappings");
      mappings != request.end() && !mappings->is_null()) {
    if (!mappings->is_array()) {
      throw Error(kCniDecodeFailure, "request field \"portMappings\" is not an array");
    }
    if (!mappings->empty()) attachment.capability_args["portMappings"] = *mappings;
  }
  return attachment;
}

NetworkHostService::NetworkHostService(NetworkManager& manager) : manager_(manager) {
  raw_.struct_size = sizeof(raw_);
  raw_.host_ctx = this;
  raw_.call = &NetworkHostService::Call;
}

int32_t NetworkHostService::Call(void* host_ctx, const char* method, const uint8_t* request,
                                 size_t request_size, const hostlet_reply* reply) {
  auto* self = static_cast<NetworkHostService*>(host_ctx);
  // Nothing may escape into the module's C frames.
  try {
    const std::string name = method != nullptr ? method : "";
    if (name == HOSTLET_CNI_STATUS) {
      // Whether the node's network can take pods now; the request carries nothing.
      self->manager_.Status();
      reply->set_response(reply->host_ctx, reinterpret_cast<const uint8_t*>("{}"), 2);
      return grpc::StatusCode::OK;
    }
    if (name != HOSTLET_CNI_ADD && name != HOSTLET_CNI_DEL && name != HOSTLET_CNI_CHECK) {
      return Reply(reply, grpc::StatusCode::UNIMPLEMENTED,
                   Error(kCniInvalidEnvironment, "unknown network method \"" + name + "\"")
                       .ToJson(kErrorVersion)
                       .dump());
    }
    Attachment attachment;
    try {
      nlohmann::json parsed = nlohmann::json::parse(
          std::string_view(reinterpret_cast<const char*>(request), request_size), nullptr, false);
      if (parsed.is_discarded()) throw Error(kCniDecodeFailure, "request is not valid JSON");
      attachment = AttachmentFromRequest(parsed);
      ValidateAttachment(attachment);
    } catch (const Error& error) {
      return Reply(reply, grpc::StatusCode::INVALID_ARGUMENT, error.ToJson(kErrorVersion).dump());
    }
    std::string response = "{}";
    if (name == HOSTLET_CNI_ADD) {
      response = self->manager_.Add(attachment).dump();
    } else if (name == HOSTLET_CNI_DEL) {
      self->manager_.Del(attachment);
    } else {
      self->manager_.Check(attachment);
    }
    reply->set_response(reply->host_ctx, reinterpret_cast<const uint8_t*>(response.data()),
                        response.size());
    return grpc::StatusCode::OK;
  } catch (const Error& error) {
    // As network modules report failures: the CNI code travels in the error object.
    return Reply(reply, grpc::StatusCode::UNKNOWN, error.ToJson(kErrorVersion).dump());
  } catch (const std::exception& error) {
    return Reply(reply, grpc::StatusCode::INTERNAL,
                 Error(kCniPluginFailure, std::string("network failed: ") + error.what())
                     .ToJson(kErrorVersion)
                     .dump());
  } catch (...) {
    return Reply(reply, grpc::StatusCode::INTERNAL,
                 Error(kCniPluginFailure, "network failed").ToJson(kErrorVersion).dump());
  }
}

}  // namespace hostlet::network
