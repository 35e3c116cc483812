// The whole node path for a pod's network: the agent runs the OCI runtime module and the bridge
// network module; the runtime asks the agent for the pod's network through the host service,
// the agent's CNI manager runs the conflist, whose "bridge" resolves to the in-process module.
// Two pods get addresses and reach each other and the gateway. The agent runs in a network
// namespace of its own (unshare -n), which plays the host: nothing touches the machine's network.
#include "tests/runtime/image_builder.h"
#include "tests/support/cgroup_root.h"
#include "tests/support/child_process.h"
#include "tests/support/fixtures.h"

#include <hostlet/sdk/grpc_bridge.h>

#include <nlohmann/json.hpp>

#include "k8s/cri/runtime/v1/api.hostlet.h"

namespace hostlet {
namespace {

namespace cri = runtime::v1;
using testing::ChildProcess;
using testing::Eventually;
using testing::ReadFile;
using testing::TempDir;

class PodNetwork : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* sub : {"plugins", "images", "net.d", "logs"}) std::filesystem::create_directories(dir.path() / sub);
    std::filesystem::copy_file(HOSTLET_OCI_RUNTIME, dir.path() / "plugins/oci_runtime.so");
    std::filesystem::copy_file(HOSTLET_OCI_HELPER, dir.path() / "plugins/hostlet-oci-helper");
    std::filesystem::copy_file(HOSTLET_OCI_UNPACK, dir.path() / "plugins/hostlet-oci-unpack");
    std::filesystem::copy_file(HOSTLET_CNI_BRIDGE, dir.path() / "plugins/cni_bridge.so");
    testing::WriteOciLayout(testing::BusyboxImage({"/bin/sh"}), "busybox:net", dir.path() / "images/busybox");
    nlohmann::json conflist = {
        {"cniVersion", "1.0.0"},
        {"name", "podnet"},
        {"plugins",
         {{{"type", "bridge"}, {"bridge", "hlpod0"}, {"isGateway", true}, {"ipMasq", false},
           {"ipam", {{"type", "host-local"}, {"dataDir", dir / "ipam"},
                     {"ranges", {{{{"subnet", "10.252.7.0/24"}}}}}, {"routes", {{{"dst", "0.0.0.0/0"}}}}}}}}}};
    std::ofstream(dir / "net.d/10-podnet.conflist") << conflist.dump();
    nlohmann::json oci = {{"root", dir / "root"},
                          {"state", dir / "state"},
                          {"importDirs", {dir / "images"}},
                          {"cgroupParent", cgroups.path()}};
    agent = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/unshare", "--net", "--", HOSTLET_AGENT_BINARY, "--plugin-dir", dir / "plugins",
                                 "--plugin-config", "oci=" + oci.dump(), "--socket-dir", dir / "sockets",
                                 "--cni-conf-dir", dir / "net.d", "--cni-cache-dir", dir / "cni-cache"},
        dir / "agent.log");
    ASSERT_TRUE(Eventually([&] { return ReadFile(dir / "agent.log").find("ready") != std::string::npos; }))
        << ReadFile(dir / "agent.log");
    runtime = std::make_unique<cri::RuntimeServiceProxy>(GrpcChannel::Connect(dir / "sockets/oci.sock"));
  }

  void TearDown() override {
    if (runtime) {
      cri::ListPodSandboxResponse pods;
      runtime->ListPodSandbox({}, &pods);
      for (const auto& pod : pods.items()) {
        cri::RemovePodSandboxRequest remove;
        remove.set_pod_sandbox_id(pod.id());
        cri::RemovePodSandboxResponse removed;
        EXPECT_TRUE(runtime->RemovePodSandbox(remove, &removed).ok());
      }
    }
    if (agent) {
      EXPECT_EQ(agent->Stop(SIGTERM, std::chrono::seconds(20)), 0) << ReadFile(dir / "agent.log");
    }
  }

  // A pod with one idle container; returns {pod id, container id, pod IP}.
  std::tuple<std::string, std::string, std::string> RunPod(const std::string& name) {
    cri::RunPodSandboxRequest run;
    run.mutable_config()->mutable_metadata()->set_name(name);
    run.mutable_config()->mutable_metadata()->set_namespace_("default");
    run.mutable_config()->mutable_metadata()->set_uid(name + "-uid");
    run.mutable_config()->set_log_directory(dir / ("logs/" + name));
    cri::RunPodSandboxResponse pod;
    grpc::Status status = runtime->RunPodSandbox(run, &pod);
    EXPECT_TRUE(status.ok()) << status.error_message() << "\n" << ReadFile(dir / "agent.log");
    cri::CreateContainerRequest create;
    create.set_pod_sandbox_id(pod.pod_sandbox_id());
    create.mutable_config()->mutable_metadata()->set_name("idle");
    create.mutable_config()->mutable_image()->set_image("busybox:net");
    create.mutable_config()->add_command("/bin/sh");
    create.mutable_config()->add_args("-c");
    create.mutable_config()->add_args("while true; do sleep 0.2; done");
    *create.mutable_sandbox_config() = run.config();
    cri::CreateContainerResponse created;
    status = runtime->CreateContainer(create, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    cri::StartContainerRequest start;
    start.set_container_id(created.container_id());
    cri::StartContainerResponse started;
    EXPECT_TRUE(runtime->StartContainer(start, &started).ok());
    cri::PodSandboxStatusRequest request;
    request.set_pod_sandbox_id(pod.pod_sandbox_id());
    cri::PodSandboxStatusResponse response;
    EXPECT_TRUE(runtime->PodSandboxStatus(request, &response).ok());
    return {pod.pod_sandbox_id(), created.container_id(), response.status().network().ip()};
  }

  cri::ExecSyncResponse Exec(const std::string& id, const std::vector<std::string>& cmd) {
    cri::ExecSyncRequest request;
    request.set_container_id(id);
    for (const auto& arg : cmd) request.add_cmd(arg);
    request.set_timeout(20);
    cri::ExecSyncResponse response;
    EXPECT_TRUE(runtime->ExecSync(request, &response).ok());
    return response;
  }

  testing::CgroupRoot cgroups{"hostlet-podnet-test"};  // removed after the pods, which empties it
  TempDir dir;
  std::unique_ptr<ChildProcess> agent;
  std::unique_ptr<cri::RuntimeServiceProxy> runtime;
};

TEST_F(PodNetwork, RuntimeStatusFollowsTheNetworkConfiguration) {
  auto network_ready = [&] {
    cri::StatusResponse status;
    EXPECT_TRUE(runtime->Status({}, &status).ok());
    for (const auto& condition : status.status().conditions()) {
      if (condition.type() == "NetworkReady") return std::make_pair(condition.status(), condition.message());
    }
    return std::make_pair(false, std::string("no NetworkReady condition"));
  };
  EXPECT_TRUE(network_ready().first) << network_ready().second;
  // Without a configuration the network cannot take pods, and the runtime says so.
  std::filesystem::rename(dir.path() / "net.d/10-podnet.conflist", dir.path() / "podnet.conflist.off");
  auto [ready, message] = network_ready();
  EXPECT_FALSE(ready);
  EXPECT_FALSE(message.empty());
  std::filesystem::rename(dir.path() / "podnet.conflist.off", dir.path() / "net.d/10-podnet.conflist");
  EXPECT_TRUE(network_ready().first) << network_ready().second;
}

TEST_F(PodNetwork, PodsGetAddressesFromTheBridgeModuleAndReachEachOther) {
  auto [pod_a, container_a, ip_a] = RunPod("alpha");
  auto [pod_b, container_b, ip_b] = RunPod("beta");
  EXPECT_TRUE(ip_a.starts_with("10.252.7.")) << ip_a;
  EXPECT_TRUE(ip_b.starts_with("10.252.7.")) << ip_b;
  EXPECT_NE(ip_a, ip_b);
  EXPECT_THAT(Exec(container_a, {"ip", "-4", "addr", "show", "eth0"}).stdout(), ::testing::HasSubstr(ip_a));
  auto ping = Exec(container_a, {"ping", "-c", "1", "-W", "3", ip_b});
  EXPECT_EQ(ping.exit_code(), 0) << ping.stdout() << ping.stderr();
  auto gateway = Exec(container_b, {"ping", "-c", "1", "-W", "3", "10.252.7.1"});
  EXPECT_EQ(gateway.exit_code(), 0) << gateway.stdout() << gateway.stderr();
  // The address goes back to the pool when the pod is removed.
  cri::RemovePodSandboxRequest remove;
  remove.set_pod_sandbox_id(pod_a);
  cri::RemovePodSandboxResponse removed;
  ASSERT_TRUE(runtime->RemovePodSandbox(remove, &removed).ok());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "ipam/podnet" / ip_a));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "ipam/podnet" / ip_b));
}

}  // namespace
}  // namespace hostlet
