// Protobuf bodies as kubectl's typed clients send them: Go's encoder writes every non-pointer
// field even when empty, so the decoded JSON must drop those and keep what the sender chose.
#include "controlplane/apiserver/protobuf_body.h"
#include "controlplane/apiserver/api_status.h"
#include "k8s.io/api/apps/v1/generated.pb.h"
#include "k8s.io/api/core/v1/generated.pb.h"
#include "k8s.io/apimachinery/pkg/runtime/generated.pb.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hostlet::apiserver {
namespace {

namespace core = k8s::io::api::core::v1;
namespace apps = k8s::io::api::apps::v1;
using nlohmann::json;
using ::testing::HasSubstr;

std::string Envelope(const std::string& api_version, const std::string& kind,
                     const std::string& raw) {
  k8s::io::apimachinery::pkg::runtime::Unknown unknown;
  unknown.mutable_typemeta()->set_apiversion(api_version);
  unknown.mutable_typemeta()->set_kind(kind);
  unknown.set_raw(raw);
  return std::string("k8s\0", 4) + unknown.SerializeAsString();
}

// What Go writes for an ObjectMeta with only a name: every string field, empty.
void FillLikeGo(k8s::io::apimachinery::pkg::apis::meta::v1::ObjectMeta& meta) {
  meta.set_generatename("");
  meta.set_namespace_("");
  meta.set_selflink("");
  meta.set_uid("");
  meta.set_resourceversion("");
  meta.set_generation(0);
  meta.mutable_creationtimestamp();
}

ApiError ErrorOf(const std::string& body) {
  try {
    DecodeProtobufObject(body);
  } catch (const ApiException& error) {
    return error.error();
  }
  ADD_FAILURE() << "decoded without an error";
  return {};
}

TEST(ProtobufBody, AConfigMapDecodesToTheJsonKubectlWouldHaveSent) {
  core::ConfigMap config_map;
  config_map.mutable_metadata()->set_name("settings");
  FillLikeGo(*config_map.mutable_metadata());
  (*config_map.mutable_metadata()->mutable_labels())["app"] = "web";
  (*config_map.mutable_data())["mode"] = "fast";
  (*config_map.mutable_binarydata())["blob"] = std::string("\x00\xff", 2);
  json object = DecodeProtobufObject(Envelope("v1", "ConfigMap", config_map.SerializeAsString()));
  EXPECT_EQ(object, json::parse(R"({"apiVersion":"v1","kind":"ConfigMap",
      "metadata":{"name":"settings","labels":{"app":"web"}},
      "data":{"mode":"fast"},"binaryData":{"blob":"AP8="}})"));
}

TEST(ProtobufBody, SecretBytesBecomeBase64AndAnExplicitFalseIsKept) {
  core::Secret secret;
  secret.mutable_metadata()->set_name("token");
  (*secret.mutable_data())["password"] = "hunter2";
  secret.set_type("Opaque");
  secret.set_immutable(false);
  json object = DecodeProtobufObject(Envelope("v1", "Secret", secret.SerializeAsString()));
  EXPECT_EQ(object["data"]["password"], "aHVudGVyMg==");
  EXPECT_EQ(object["type"], "Opaque");
  EXPECT_EQ(object["immutable"], false);
}

TEST(ProtobufBody, ADeploymentKeepsZeroReplicasQuantitiesAndIntOrStrings) {
  apps::Deployment deployment;
  deployment.mutable_metadata()->set_name("web");
  auto* spec = deployment.mutable_spec();
  spec->set_replicas(0);
  spec->set_minreadyseconds(0);  // not a pointer in Go: zero means unset
  spec->set_paused(false);
  (*spec->mutable_selector()->mutable_matchlabels())["app"] = "web";
  auto* rolling = spec->mutable_strategy()->mutable_rollingupdate();
  rolling->mutable_maxsurge()->set_type(1);
  rolling->mutable_maxsurge()->set_strval("25%");
  rolling->mutable_maxunavailable()->set_intval(1);
  auto* container = spec->mutable_template_()->mutable_spec()->add_containers();
  container->set_name("web");
  container->set_image("busybox");
  container->add_command("sleep");
  container->add_command("60");
  container->set_tty(false);
  auto* port = container->add_ports();
  port->set_containerport(80);
  port->set_hostport(0);
  (*container->mutable_resources()->mutable_limits())["memory"].set_string("64Mi");
  json object =
      DecodeProtobufObject(Envelope("apps/v1", "Deployment", deployment.SerializeAsString()));
  EXPECT_EQ(object["apiVersion"], "apps/v1");
  EXPECT_EQ(object["spec"]["replicas"], 0);
  EXPECT_FALSE(object["spec"].contains("minReadySeconds"));
  EXPECT_FALSE(object["spec"].contains("paused"));
  EXPECT_EQ(object["spec"]["strategy"]["rollingUpdate"],
            json::parse(R"({"maxSurge":"25%","maxUnavailable":1})"));
  EXPECT_EQ(object["spec"]["template"]["spec"]["containers"][0],
            json::parse(R"({"name":"web","image":"busybox","command":["sleep","60"],
                "ports":[{"containerPort":80}],"resources":{"limits":{"memory":"64Mi"}}})"));
}

TEST(ProtobufBody, AFieldThisServerDoesNotKnowIsRefusedNotDropped) {
  core::ConfigMap config_map;
  config_map.mutable_metadata()->set_name("settings");
  std::string raw = config_map.SerializeAsString();
  raw += std::string("\xc8\x01\x07", 3);  // field 25, varint 7: not a ConfigMap field
  ApiError error = ErrorOf(Envelope("v1", "ConfigMap", raw));
  EXPECT_EQ(error.code, 400);
  EXPECT_THAT(error.message, HasSubstr("not known"));
}

TEST(ProtobufBody, KindsWithoutASchemaAskForJsonAndGarbageIsABadRequest) {
  ApiError pod = ErrorOf(Envelope("v1", "Pod", ""));
  EXPECT_EQ(pod.code, 415);
  EXPECT_THAT(pod.message, HasSubstr("application/json"));
  EXPECT_EQ(ErrorOf("{\"kind\":\"ConfigMap\"}").code, 400);
  EXPECT_EQ(ErrorOf(std::string("k8s\0\xff\xff", 6)).code, 400);
  EXPECT_EQ(ErrorOf(Envelope("v1", "ConfigMap", "\xff\xff\xff")).code, 400);
}

}  // namespace
}  // namespace hostlet::apiserver
