// A module that throws, lies or answers with garbage gives an error status; the host goes on.
#include "kubelet/plugins/loader.h"
#include "tests/support/fixtures.h"

#include <hostlet/sdk/stream_sink.h>

#include "k8s/deviceplugin/v1beta1/api.hostlet.h"

namespace hostlet {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

TEST(Faults, ExceptionsFromAPluginBecomeInternalErrors) {
  auto module = plugins::Load(HOSTLET_THROWING_DEVICE);
  v1beta1::DevicePluginProxy plugin(module->Create());
  v1beta1::AllocateResponse allocated;
  grpc::Status status = plugin.Allocate({}, &allocated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), HasSubstr("allocator exploded"));

  v1beta1::PreStartContainerResponse started;
  status = plugin.PreStartContainer({}, &started);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), HasSubstr("non-standard exception"));

  // The instance is still usable afterwards.
  v1beta1::DevicePluginOptions options;
  EXPECT_EQ(plugin.GetDevicePluginOptions({}, &options).error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST(Faults, ExceptionsCrossTheGrpcBridgeAsStatusesToo) {
  TempDir dir;
  auto module = plugins::Load(HOSTLET_THROWING_DEVICE);
  GrpcBridgeServer server(module->Create(), dir / "throwing.sock");
  v1beta1::DevicePluginProxy plugin(GrpcChannel::Connect(dir / "throwing.sock"));
  v1beta1::AllocateResponse allocated;
  grpc::Status status = plugin.Allocate({}, &allocated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), HasSubstr("allocator exploded"));
}

TEST(Faults, GarbageResponsesFromACModuleAreReportedNotParsed) {
  auto module = plugins::Load(HOSTLET_GARBAGE_DEVICE);
  EXPECT_EQ(module->name(), "garbage-device");
  v1beta1::DevicePluginProxy plugin(module->Create());
  v1beta1::AllocateResponse allocated;
  grpc::Status status = plugin.Allocate({}, &allocated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), HasSubstr("malformed response (v1beta1.AllocateResponse)"));

  StreamSink<v1beta1::ListAndWatchResponse> sink([](const auto&) { return true; });
  status = plugin.ListAndWatch({}, &sink);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), HasSubstr("malformed stream message"));
}

TEST(Faults, MalformedRequestBytesAreRejectedByThePlugin) {
  auto module = plugins::Load(HOSTLET_SAMPLE_DEVICE);
  auto channel = module->Create();
  std::string response;
  grpc::Status status = channel->Unary("/v1beta1.DevicePlugin/Allocate", "\xff\xff\xff\xff\x0f", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("malformed request (v1beta1.AllocateRequest)"));
  status = channel->Unary("/v1beta1.DevicePlugin/NoSuchMethod", "", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

}  // namespace
}  // namespace hostlet
