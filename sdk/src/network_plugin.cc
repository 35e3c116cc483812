#include <hostlet/sdk/network_plugin.h>

#include <cstring>

namespace hostlet {

nlohmann::json CniError::ToJson(const std::string& cni_version) const {
  nlohmann::json error = {{"cniVersion", cni_version}, {"code", code_}, {"msg", what()}};
  if (!details_.empty()) error["details"] = details_;
  return error;
}

nlohmann::json CniRequest::ToJson() const {
  return {{"containerID", container_id}, {"netns", netns}, {"ifName", if_name},
          {"args", args},                {"path", path},   {"config", config}};
}

CniRequest CniRequest::FromJson(const nlohmann::json& envelope) {
  if (!envelope.is_object() || !envelope.contains("config") || !envelope["config"].is_object()) {
    throw CniError(kCniDecodeFailure, "request has no network configuration object");
  }
  CniRequest request;
  auto text = [&](const char* key) {
    auto found = envelope.find(key);
    if (found == envelope.end() || found->is_null()) return std::string();
    if (!found->is_string()) {
      throw CniError(kCniDecodeFailure, std::string("request field ") + key + " is not a string");
    }
    return found->get<std::string>();
  };
  request.container_id = text("containerID");
  request.netns = text("netns");
  request.if_name = text("ifName");
  request.args = text("args");
  request.path = text("path");
  request.config = envelope["config"];
  auto version = request.config.find("cniVersion");
  if (version != request.config.end() && !version->is_string()) {
    throw CniError(kCniDecodeFailure, "cniVersion is not a string");
  }
  return request;
}

namespace {
[[noreturn]] void NotImplemented(const char* command) {
  throw CniError(kCniInvalidEnvironment, std::string(command) + " is not implemented by this plugin");
}
}  // namespace

nlohmann::json NetworkPlugin::Add(const CniRequest&) { NotImplemented("ADD"); }
void NetworkPlugin::Del(const CniRequest&) { NotImplemented("DEL"); }
void NetworkPlugin::Check(const CniRequest&) { NotImplemented("CHECK"); }
void NetworkPlugin::Status(const CniRequest&) { NotImplemented("STATUS"); }
void NetworkPlugin::Gc(const CniRequest&) { NotImplemented("GC"); }
std::vector<std::string> NetworkPlugin::SupportedVersions() const {
  return {"0.4.0", "1.0.0", "1.1.0"};
}

grpc::Status NetworkPlugin::Call(const char* method, std::string_view request_bytes,
                                 std::string* response) {
  std::string cni_version = "1.1.0";
  try {
    nlohmann::json envelope = nlohmann::json::parse(request_bytes, nullptr, false);
    if (envelope.is_discarded()) throw CniError(kCniDecodeFailure, "request is not valid JSON");
    if (std::strcmp(method, HOSTLET_CNI_VERSION) == 0) {
      *response = nlohmann::json{{"cniVersion", cni_version},
                                 {"supportedVersions", SupportedVersions()}}
                      .dump();
      return {};
    }
    CniRequest request = CniRequest::FromJson(envelope);
    cni_version = request.cni_version();
    nlohmann::json result = nlohmann::json::object();
    if (std::strcmp(method, HOSTLET_CNI_ADD) == 0) {
      result = Add(request);
    } else if (std::strcmp(method, HOSTLET_CNI_DEL) == 0) {
      Del(request);
    } else if (std::strcmp(method, HOSTLET_CNI_CHECK) == 0) {
      Check(request);
    } else if (std::strcmp(method, HOSTLET_CNI_STATUS) == 0) {
      Status(request);
    } else if (std::strcmp(method, HOSTLET_CNI_GC) == 0) {
      Gc(request);
    } else {
      throw CniError(kCniInvalidEnvironment, std::string("unknown CNI command ") + method);
    }
    *response = result.dump();
    return {};
  } catch (const CniError& error) {
    return {grpc::StatusCode::UNKNOWN, error.ToJson(cni_version).dump()};
  } catch (const std::exception& error) {
    // Network callers expect the spec's error JSON, whatever went wrong in the module.
    return {grpc::StatusCode::INTERNAL,
            CniError(kCniPluginFailure, std::string("plugin failed: ") + error.what())
                .ToJson(cni_version)
                .dump()};
  }
}

}  // namespace hostlet
