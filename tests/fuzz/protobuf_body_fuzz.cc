// Protobuf request bodies come straight from clients. Any bytes must decode or fail with an
// ApiException, never crash; and what decodes is a JSON object naming its kind.
#include "controlplane/apiserver/api_status.h"
#include "controlplane/apiserver/protobuf_body.h"
#include "k8s.io/api/apps/v1/generated.pb.h"
#include "k8s.io/api/core/v1/generated.pb.h"
#include "k8s.io/apimachinery/pkg/runtime/generated.pb.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

std::string Envelope(const std::string& api_version, const std::string& kind,
                     const google::protobuf::Message& object) {
  k8s::io::apimachinery::pkg::runtime::Unknown unknown;
  unknown.mutable_typemeta()->set_apiversion(api_version);
  unknown.mutable_typemeta()->set_kind(kind);
  unknown.set_raw(object.SerializeAsString());
  return std::string("k8s\0", 4) + unknown.SerializeAsString();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  try {
    nlohmann::json object = hostlet::apiserver::DecodeProtobufObject(body);
    if (!object.is_object() || !object["kind"].is_string()) std::abort();
  } catch (const hostlet::apiserver::ApiException&) {
  }
  return 0;
}

std::vector<std::string> FuzzSeeds() {
  namespace core = k8s::io::api::core::v1;
  namespace apps = k8s::io::api::apps::v1;
  core::ConfigMap config_map;
  config_map.mutable_metadata()->set_name("settings");
  (*config_map.mutable_data())["mode"] = "fast";
  (*config_map.mutable_binarydata())["blob"] = std::string("\0\1\2", 3);
  core::Secret secret;
  secret.mutable_metadata()->set_name("token");
  (*secret.mutable_data())["key"] = "value";
  apps::Deployment deployment;
  deployment.mutable_metadata()->set_name("web");
  deployment.mutable_spec()->set_replicas(2);
  auto* container =
      deployment.mutable_spec()->mutable_template_()->mutable_spec()->add_containers();
  container->set_name("web");
  container->set_image("busybox");
  (*container->mutable_resources()->mutable_limits())["cpu"].set_string("100m");
  core::Service service;
  auto* port = service.mutable_spec()->add_ports();
  port->set_port(80);
  port->mutable_targetport()->set_intval(8080);
  return {Envelope("v1", "ConfigMap", config_map), Envelope("v1", "Secret", secret),
          Envelope("apps/v1", "Deployment", deployment), Envelope("v1", "Service", service),
          std::string("k8s\0", 4)};
}
