// The same module answers identically in process (its C++ object), through the C ABI, and
// through the gRPC bridge in both directions, for all four plugin kinds.
#include "kubelet/plugins/loader.h"
#include "tests/support/fixtures.h"

#include <hostlet/sdk/cni_exec.h>
#include <hostlet/sdk/grpc_bridge.h>

#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "csi/v1/csi.hostlet.h"
#include "k8s/cri/runtime/v1/api.hostlet.h"
#include "k8s/deviceplugin/v1beta1/api.grpc.pb.h"
#include "k8s/deviceplugin/v1beta1/api.hostlet.h"

namespace hostlet {
namespace {

using testing::TempDir;

// A module loaded through the ABI, and the same instance served on a unix socket.
struct Transports {
  explicit Transports(const char* file, const std::string& config = "{}") {
    module = plugins::Load(file);
    abi = module->Create(config);
    server = std::make_unique<GrpcBridgeServer>(abi, dir / "plugin.sock");
    remote = GrpcChannel::Connect(dir / "plugin.sock", std::chrono::seconds(10));
  }
  TempDir dir;
  std::shared_ptr<plugins::Module> module;
  std::shared_ptr<Channel> abi;
  std::unique_ptr<GrpcBridgeServer> server;
  std::shared_ptr<Channel> remote;
};

std::string Bytes(const google::protobuf::Message& message) {
  std::string bytes;
  message.SerializeToString(&bytes);
  return bytes;
}

TEST(RoundTrip, DevicePluginAllocateIsIdenticalThroughAbiAndGrpc) {
  Transports transports(HOSTLET_SAMPLE_DEVICE, R"({"count": 3})");
  v1beta1::AllocateRequest request;
  auto* container = request.add_container_requests();
  container->add_devices_ids("widget-0");
  container->add_devices_ids("widget-2");

  v1beta1::DevicePluginProxy through_abi(transports.abi);
  v1beta1::DevicePluginProxy through_grpc(transports.remote);
  v1beta1::AllocateResponse abi_response;
  v1beta1::AllocateResponse grpc_response;
  ASSERT_TRUE(through_abi.Allocate(request, &abi_response).ok());
  ASSERT_TRUE(through_grpc.Allocate(request, &grpc_response).ok());
  ASSERT_EQ(abi_response.container_responses_size(), 1);
  EXPECT_EQ(abi_response.container_responses(0).envs().at("WIDGET_DEVICES"), "widget-0,widget-2");
  EXPECT_EQ(Bytes(abi_response), Bytes(grpc_response));

  // The official generated gRPC client speaks to the bridge as to any device plugin.
  auto stub = v1beta1::DevicePlugin::NewStub(
      grpc::CreateChannel("unix://" + transports.dir / "plugin.sock", grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  v1beta1::AllocateResponse stub_response;
  ASSERT_TRUE(stub->Allocate(&context, request, &stub_response).ok());
  EXPECT_EQ(Bytes(abi_response), Bytes(stub_response));

  v1beta1::DevicePluginOptions options;
  EXPECT_TRUE(through_grpc.GetDevicePluginOptions(v1beta1::Empty(), &options).ok());
}

TEST(RoundTrip, UnimplementedMethodsAnswerUnimplementedEverywhere) {
  Transports transports(HOSTLET_SAMPLE_DEVICE);
  v1beta1::PreferredAllocationResponse response;
  for (auto& channel : {transports.abi, transports.remote}) {
    v1beta1::DevicePluginProxy proxy(channel);
    grpc::Status status = proxy.GetPreferredAllocation({}, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << status.error_message();
    EXPECT_NE(status.error_message().find("GetPreferredAllocation"), std::string::npos);
  }
}

TEST(RoundTrip, RuntimeModuleKeepsStateAcrossCallsThroughEveryTransport) {
  Transports transports(HOSTLET_MEMORY_RUNTIME);
  runtime::v1::RuntimeServiceProxy through_abi(transports.abi);
  runtime::v1::RuntimeServiceProxy through_grpc(transports.remote);

  runtime::v1::VersionResponse abi_version;
  runtime::v1::VersionResponse grpc_version;
  ASSERT_TRUE(through_abi.Version({}, &abi_version).ok());
  ASSERT_TRUE(through_grpc.Version({}, &grpc_version).ok());
  EXPECT_EQ(abi_version.runtime_name(), "memory-runtime");
  EXPECT_EQ(Bytes(abi_version), Bytes(grpc_version));

  runtime::v1::RunPodSandboxRequest run;
  run.mutable_config()->mutable_metadata()->set_name("web");
  run.mutable_config()->mutable_metadata()->set_namespace_("default");
  runtime::v1::RunPodSandboxResponse created;
  ASSERT_TRUE(through_grpc.RunPodSandbox(run, &created).ok());

  runtime::v1::ListPodSandboxResponse abi_list;
  runtime::v1::ListPodSandboxResponse grpc_list;
  ASSERT_TRUE(through_abi.ListPodSandbox({}, &abi_list).ok());
  ASSERT_TRUE(through_grpc.ListPodSandbox({}, &grpc_list).ok());
  ASSERT_EQ(abi_list.items_size(), 1);
  EXPECT_EQ(abi_list.items(0).id(), created.pod_sandbox_id());
  EXPECT_EQ(abi_list.items(0).metadata().name(), "web");
  EXPECT_EQ(Bytes(abi_list), Bytes(grpc_list));

  // ImageService lives in the same module and is routed by path.
  runtime::v1::ImageServiceProxy images(transports.remote);
  runtime::v1::ListImagesResponse list;
  EXPECT_EQ(images.ListImages({}, &list).error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST(RoundTrip, StorageModuleAnswersIdentityAndNodeThroughEveryTransport) {
  Transports transports(HOSTLET_IDENTITY_CSI, R"({"nodeID": "worker-7"})");
  csi::v1::IdentityProxy identity_abi(transports.abi);
  csi::v1::IdentityProxy identity_grpc(transports.remote);
  csi::v1::GetPluginInfoResponse abi_info;
  csi::v1::GetPluginInfoResponse grpc_info;
  ASSERT_TRUE(identity_abi.GetPluginInfo({}, &abi_info).ok());
  ASSERT_TRUE(identity_grpc.GetPluginInfo({}, &grpc_info).ok());
  EXPECT_EQ(abi_info.name(), "identity.csi.example.com");
  EXPECT_EQ(Bytes(abi_info), Bytes(grpc_info));

  csi::v1::NodeProxy node(transports.remote);
  csi::v1::NodeGetInfoResponse node_info;
  ASSERT_TRUE(node.NodeGetInfo({}, &node_info).ok());
  EXPECT_EQ(node_info.node_id(), "worker-7");

  csi::v1::ProbeResponse probe;
  ASSERT_TRUE(identity_grpc.Probe({}, &probe).ok());
  EXPECT_TRUE(probe.ready().value());
}

TEST(RoundTrip, NetworkModuleGivesTheSameResultThroughAbiAndExecProtocol) {
  auto module = plugins::Load(HOSTLET_STATIC_IP);
  auto abi = module->Create();
  const std::string config = R"({"cniVersion":"1.0.0","name":"test","type":"static-ip","address":"10.88.0.5/24"})";
  nlohmann::json envelope = {{"containerID", "c1"}, {"netns", "/var/run/netns/x"}, {"ifName", "eth0"},
                             {"args", ""}, {"path", ""}, {"config", nlohmann::json::parse(config)}};
  std::string abi_result;
  ASSERT_TRUE(abi->Unary(HOSTLET_CNI_ADD, envelope.dump(), &abi_result).ok());

  std::map<std::string, std::string> env = {{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "c1"},
                                            {"CNI_NETNS", "/var/run/netns/x"}, {"CNI_IFNAME", "eth0"}};
  std::istringstream in(config);
  std::ostringstream out;
  int code = RunCniExec(*abi, [&](const char* name) {
    auto found = env.find(name);
    return found == env.end() ? nullptr : found->second.c_str();
  }, in, out);
  ASSERT_EQ(code, 0) << out.str();
  EXPECT_EQ(nlohmann::json::parse(out.str()), nlohmann::json::parse(abi_result));
  EXPECT_EQ(nlohmann::json::parse(abi_result)["ips"][0]["address"], "10.88.0.5/24");
}

// A device plugin implemented with the official generated gRPC server, to show that a remote
// peer wrapped by GrpcChannel looks like any other DevicePluginBase.
class OfficialServerDevice final : public v1beta1::DevicePlugin::Service {
  grpc::Status Allocate(grpc::ServerContext*, const v1beta1::AllocateRequest* request,
                        v1beta1::AllocateResponse* response) override {
    for (int i = 0; i < request->container_requests_size(); ++i) {
      (*response->add_container_responses()->mutable_envs())["FROM"] = "remote";
    }
    return grpc::Status::OK;
  }
};

TEST(RoundTrip, RemoteEndpointIsWrappedAsTheSameInterface) {
  TempDir dir;
  OfficialServerDevice service;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix://" + dir / "remote.sock", grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);

  std::unique_ptr<v1beta1::DevicePluginBase> plugin =
      std::make_unique<v1beta1::DevicePluginProxy>(GrpcChannel::Connect(dir / "remote.sock"));
  v1beta1::AllocateRequest request;
  request.add_container_requests();
  v1beta1::AllocateResponse response;
  ASSERT_TRUE(plugin->Allocate(request, &response).ok());
  EXPECT_EQ(response.container_responses(0).envs().at("FROM"), "remote");
  v1beta1::DevicePluginOptions options;
  EXPECT_EQ(plugin->GetDevicePluginOptions({}, &options).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  server->Shutdown();
}

TEST(RoundTrip, BridgeRejectsMethodsOfUnknownServices) {
  Transports transports(HOSTLET_SAMPLE_DEVICE);
  std::string response;
  grpc::Status status = transports.remote->Unary("/not.a.Service/Method", "", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

}  // namespace
}  // namespace hostlet
