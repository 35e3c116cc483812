// The network as runtime modules reach it: the C host service of abi.h, called as a module
// would call it, in front of a manager running real plugins.
#include "kubelet/network/host_service.h"
#include "kubelet/plugins/host_services.h"
#include "tests/network/manager_fixture.h"

namespace hostlet::network {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing::HostLink;
using testing::ManagerTest;
using testing::NetNs;
using testing::Subnet;

// What a module receives through its hostlet_reply.
struct Outcome {
  int32_t status = -1;
  std::string response;
  int32_t error_code = 0;
  std::string error;
  json ErrorJson() const { return json::parse(error); }
};

Outcome CallService(const hostlet_network_service* service, const char* method,
                    const std::string& request) {
  Outcome outcome;
  hostlet_reply reply{};
  reply.host_ctx = &outcome;
  reply.set_response = [](void* ctx, const uint8_t* data, size_t size) {
    static_cast<Outcome*>(ctx)->response.assign(reinterpret_cast<const char*>(data), size);
  };
  reply.set_error = [](void* ctx, int32_t code, const char* message) {
    static_cast<Outcome*>(ctx)->error_code = code;
    static_cast<Outcome*>(ctx)->error = message;
  };
  outcome.status =
      service->call(service->host_ctx, method, reinterpret_cast<const uint8_t*>(request.data()),
                    request.size(), &reply);
  return outcome;
}

class NetworkHostServiceTest : public ManagerTest {
 protected:
  void SetUp() override {
    ManagerTest::SetUp();
    bin_dirs = {testing::kReferencePlugins};
    UseModule("echo-net", HOSTLET_ECHO_NET);
    manager = Manager();
    service = std::make_unique<NetworkHostService>(*manager);
    // As the agent offers it to the modules it loads.
    services.Offer(HOSTLET_SERVICE_NETWORK, service->raw());
  }

  const hostlet_network_service* Offered() const {
    return static_cast<const hostlet_network_service*>(services.Find(HOSTLET_SERVICE_NETWORK));
  }

  std::unique_ptr<NetworkManager> manager;
  std::unique_ptr<NetworkHostService> service;
  plugins::HostServices services;
};

TEST_F(NetworkHostServiceTest, AttachesAPodSandbox) {
  NetNs ns;
  HostLink bridge;
  Subnet subnet;
  json echo = EchoNet("runtime");
  echo["capabilities"] = {{"portMappings", true}};
  WriteConfig("10-pods.conflist", {{"cniVersion", "1.0.0"},
                                   {"name", "pods"},
                                   {"plugins",
                                    {{{"type", "bridge"},
                                      {"bridge", bridge.name()},
                                      {"isGateway", true},
                                      {"ipam",
                                       {{"type", "host-local"},
                                        {"ranges", {{{{"subnet", subnet.cidr()}}}}},
                                        {"dataDir", root / "ipam"}}}},
                                     echo}}});
  const json ports = json::parse(
      R"([{"hostPort":18080,"containerPort":80,"protocol":"tcp","hostIP":"127.0.0.1"}])");
  const json request = {{"containerID", "sandbox1"}, {"netns", ns.path()}, {"ifName", "eth0"},
                        {"podNamespace", "default"}, {"podName", "web-0"}, {"podUID", "uid-1"},
                        {"portMappings", ports}};
  ASSERT_NE(Offered(), nullptr);
  ASSERT_EQ(Offered()->struct_size, sizeof(hostlet_network_service));

  Outcome add = CallService(Offered(), HOSTLET_CNI_ADD, request.dump());
  ASSERT_EQ(add.status, 0) << add.error;
  json result = json::parse(add.response);
  std::string address = result["ips"][0]["address"];
  EXPECT_THAT(address, ::testing::StartsWith(subnet.prefix()));
  EXPECT_THAT(ns.Exec("ip -4 addr show dev eth0").output, HasSubstr("inet " + address));
  // The pod's identity as the kubelet passes it (host-local, which parses CNI_ARGS, took it),
  // and the port mappings to the plugin that declared the capability.
  auto adds = Records("ADD");
  ASSERT_EQ(adds.size(), 1u);
  EXPECT_EQ(adds[0]["args"],
            "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;"
            "K8S_POD_INFRA_CONTAINER_ID=sandbox1;K8S_POD_UID=uid-1");
  EXPECT_EQ(adds[0]["config"]["runtimeConfig"]["portMappings"], ports);

  Outcome check = CallService(Offered(), HOSTLET_CNI_CHECK, request.dump());
  EXPECT_EQ(check.status, 0) << check.error;
  EXPECT_EQ(check.response, "{}");

  // DEL needs no more than the sandbox's identity: the rest comes from the cache.
  Outcome del = CallService(Offered(), HOSTLET_CNI_DEL,
                            json{{"containerID", "sandbox1"}, {"ifName", "eth0"}}.dump());
  EXPECT_EQ(del.status, 0) << del.error;
  EXPECT_NE(ns.Exec("ip link show dev eth0").status, 0);
  auto dels = Records("DEL");
  ASSERT_EQ(dels.size(), 1u);
  EXPECT_EQ(dels[0]["args"], adds[0]["args"]);
  EXPECT_EQ(dels[0]["netns"], ns.path());
  EXPECT_EQ(dels[0]["config"]["runtimeConfig"]["portMappings"], ports);
}

TEST_F(NetworkHostServiceTest, FailuresAreTheSpecsErrorJson) {
  WriteConfig("10-pods.conflist",
              {{"cniVersion", "1.0.0"}, {"name", "pods"}, {"plugins", {EchoNet("x")}}});
  Outcome garbage = CallService(Offered(), HOSTLET_CNI_ADD, "{not json");
  EXPECT_EQ(garbage.status, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(garbage.error_code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(garbage.ErrorJson()["code"], kCniDecodeFailure);

  Outcome bad_id = CallService(Offered(), HOSTLET_CNI_ADD,
                               R"({"containerID":"../x","netns":"/run/netns/none"})");
  EXPECT_EQ(bad_id.status, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(bad_id.ErrorJson()["code"], kCniInvalidEnvironment);

  Outcome unknown = CallService(Offered(), "FLY", R"({"containerID":"c1"})");
  EXPECT_EQ(unknown.status, grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(unknown.ErrorJson()["msg"].get<std::string>(), HasSubstr("FLY"));

  Outcome never = CallService(Offered(), HOSTLET_CNI_CHECK,
                              R"({"containerID":"c1","netns":"/run/netns/none"})");
  EXPECT_EQ(never.status, grpc::StatusCode::UNKNOWN);
  json error = never.ErrorJson();
  EXPECT_EQ(error["code"], kCniUnknownContainer);
  EXPECT_EQ(error["cniVersion"], "1.1.0");
  EXPECT_THAT(error["msg"].get<std::string>(), HasSubstr("c1"));
  EXPECT_TRUE(Records().empty());
}

}  // namespace
}  // namespace hostlet::network
