// ListAndWatch across the ABI and across the gRPC bridge: messages arrive, and cancelling from
// another thread ends a stream the plugin would otherwise hold open forever.
#include "kubelet/plugins/loader.h"
#include "tests/support/fixtures.h"

#include <hostlet/sdk/stream_sink.h>

#include <future>

#include "k8s/deviceplugin/v1beta1/api.hostlet.h"

namespace hostlet {
namespace {

using testing::TempDir;

// Runs ListAndWatch on `channel`, waits for the first list, cancels, and returns what arrived
// and the stream's final status.
struct Watched {
  std::vector<v1beta1::ListAndWatchResponse> messages;
  grpc::Status status;
};

Watched WatchThenCancel(std::shared_ptr<Channel> channel) {
  v1beta1::DevicePluginProxy plugin(channel);
  std::promise<void> first;
  Watched watched;
  StreamSink<v1beta1::ListAndWatchResponse> sink([&](const v1beta1::ListAndWatchResponse& message) {
    watched.messages.push_back(message);
    if (watched.messages.size() == 1) first.set_value();
    return true;
  });
  auto stream = std::async(std::launch::async, [&] { return plugin.ListAndWatch({}, &sink); });
  EXPECT_EQ(first.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  sink.Cancel();
  EXPECT_EQ(stream.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "the stream did not end after cancellation";
  watched.status = stream.get();
  return watched;
}

TEST(Stream, ListAndWatchThroughAbiDeliversDevicesAndEndsOnCancel) {
  auto module = plugins::Load(HOSTLET_SAMPLE_DEVICE);
  Watched watched = WatchThenCancel(module->Create(R"({"count": 4})"));
  ASSERT_EQ(watched.messages.size(), 1u);
  ASSERT_EQ(watched.messages[0].devices_size(), 4);
  EXPECT_EQ(watched.messages[0].devices(3).id(), "widget-3");
  EXPECT_EQ(watched.messages[0].devices(3).health(), "Healthy");
  EXPECT_EQ(watched.status.error_code(), grpc::StatusCode::CANCELLED);
}

TEST(Stream, ListAndWatchThroughGrpcBridgeEndsOnClientCancel) {
  TempDir dir;
  auto module = plugins::Load(HOSTLET_SAMPLE_DEVICE);
  GrpcBridgeServer server(module->Create(R"({"count": 2})"), dir / "device.sock");
  Watched watched = WatchThenCancel(GrpcChannel::Connect(dir / "device.sock"));
  ASSERT_EQ(watched.messages.size(), 1u);
  EXPECT_EQ(watched.messages[0].devices_size(), 2);
  EXPECT_EQ(watched.status.error_code(), grpc::StatusCode::CANCELLED);
  // The plugin's side of the stream must have ended too, or shutdown would wait for it.
  auto shutdown = std::async(std::launch::async, [&] { server.Shutdown(); });
  EXPECT_EQ(shutdown.wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

TEST(Stream, ServerShutdownEndsStreamsStillOpen) {
  TempDir dir;
  auto module = plugins::Load(HOSTLET_SAMPLE_DEVICE);
  auto server = std::make_unique<GrpcBridgeServer>(module->Create(), dir / "device.sock");
  v1beta1::DevicePluginProxy plugin(GrpcChannel::Connect(dir / "device.sock"));
  std::promise<void> first;
  int received = 0;
  StreamSink<v1beta1::ListAndWatchResponse> sink([&](const v1beta1::ListAndWatchResponse&) {
    if (++received == 1) first.set_value();
    return true;
  });
  auto stream = std::async(std::launch::async, [&] { return plugin.ListAndWatch({}, &sink); });
  ASSERT_EQ(first.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  server.reset();
  ASSERT_EQ(stream.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_FALSE(stream.get().ok());
}

}  // namespace
}  // namespace hostlet
