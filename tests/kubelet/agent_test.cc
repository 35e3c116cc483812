// The agent binary with a plugin directory holding good modules and bad files: it reports each
// refusal, serves the good modules on their sockets, and stops cleanly on SIGTERM.
#include "kubelet/cri/runtime_client.h"
#include "tests/support/child_process.h"
#include "tests/support/fixtures.h"

#include <fstream>
#include <sstream>

#include "csi/v1/csi.hostlet.h"
#include "k8s/cri/runtime/v1/api.hostlet.h"
#include "k8s/deviceplugin/v1beta1/api.hostlet.h"

namespace hostlet {
namespace {

using ::testing::HasSubstr;
using testing::ChildProcess;
using testing::TempDir;
using testing::Eventually;
using testing::ReadFile;



TEST(Agent, ServesGoodModulesAndGoesOnPastBadOnes) {
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "plugins");
  for (const char* file : {HOSTLET_SAMPLE_DEVICE, HOSTLET_MEMORY_RUNTIME, HOSTLET_STATIC_IP,
                           HOSTLET_FUTURE_ABI}) {
    std::filesystem::copy_file(file, dir.path() / "plugins" / std::filesystem::path(file).filename());
  }
  std::ofstream(dir / "plugins/corrupt.so") << "\x7f" "ELF but nothing more";

  ChildProcess agent({HOSTLET_AGENT_BINARY, "--plugin-dir", dir / "plugins", "--socket-dir",
                      dir / "sockets"},
                     dir / "agent.log");
  ASSERT_TRUE(Eventually([&] { return ReadFile(dir / "agent.log").find("ready") != std::string::npos; }))
      << ReadFile(dir / "agent.log");
  std::string log = ReadFile(dir / "agent.log");
  EXPECT_THAT(log, HasSubstr("refused " + dir / "plugins/future_abi.so" +
                             ": plugin 'future-device' was built for hostlet plugin ABI 2.0"));
  EXPECT_THAT(log, HasSubstr("corrupt.so"));
  EXPECT_THAT(log, HasSubstr("(3 plugins loaded, 2 refused)"));

  v1beta1::DevicePluginProxy device(GrpcChannel::Connect(dir / "sockets/sample-device.sock"));
  v1beta1::AllocateRequest request;
  request.add_container_requests()->add_devices_ids("widget-1");
  v1beta1::AllocateResponse allocated;
  ASSERT_TRUE(device.Allocate(request, &allocated).ok());
  EXPECT_EQ(allocated.container_responses(0).envs().at("WIDGET_DEVICES"), "widget-1");

  runtime::v1::RuntimeServiceProxy runtime(GrpcChannel::Connect(dir / "sockets/memory-runtime.sock"));
  runtime::v1::VersionResponse version;
  ASSERT_TRUE(runtime.Version({}, &version).ok());
  EXPECT_EQ(version.runtime_name(), "memory-runtime");

  EXPECT_EQ(agent.Stop(SIGTERM, std::chrono::seconds(20)), 0);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "sockets/sample-device.sock"));
}

}  // namespace
}  // namespace hostlet

namespace hostlet {
namespace {

TEST(PluginTool, ServesAModuleOnASocketUntilSigterm) {
  TempDir dir;
  testing::ChildProcess served({HOSTLET_PLUGIN_TOOL, "serve", HOSTLET_IDENTITY_CSI, "--socket",
                                dir / "csi.sock", "--config", R"({"nodeID":"n-42"})"},
                               dir / "serve.log");
  ASSERT_TRUE(Eventually([&] { return std::filesystem::exists(dir / "csi.sock"); }))
      << ReadFile(dir / "serve.log");
  csi::v1::NodeProxy node(GrpcChannel::Connect(dir / "csi.sock"));
  csi::v1::NodeGetInfoResponse info;
  ASSERT_TRUE(node.NodeGetInfo({}, &info).ok());
  EXPECT_EQ(info.node_id(), "n-42");
  EXPECT_EQ(served.Stop(SIGTERM, std::chrono::seconds(20)), 0);
}

TEST(PluginTool, RefusesToServeABadFileWithItsReason) {
  TempDir dir;
  testing::ChildProcess served({HOSTLET_PLUGIN_TOOL, "serve", HOSTLET_FUTURE_ABI, "--socket",
                                dir / "x.sock"},
                               dir / "serve.log");
  EXPECT_EQ(served.Stop(0, std::chrono::seconds(20)), 1);
  EXPECT_THAT(ReadFile(dir / "serve.log"), HasSubstr("built for hostlet plugin ABI 2.0"));
}

}  // namespace
}  // namespace hostlet

namespace hostlet {
namespace {

TEST(RuntimeEndpoint, RefusesEndpointsItCannotReach) {
  auto none = [](const std::string&) { return std::shared_ptr<Channel>(); };
  try {
    cri::ConnectRuntime("module:oci", none);
    FAIL() << "a module that is not loaded was accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_THAT(error.what(), HasSubstr("no runtime module named \"oci\" is loaded"));
  }
  EXPECT_THROW(cri::ConnectRuntime("tcp://10.0.0.1:1234", none), std::invalid_argument);
}

}  // namespace
}  // namespace hostlet
