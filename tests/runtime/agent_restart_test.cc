// The real agent process, killed with SIGKILL and started again, finds the containers its OCI
// runtime module started still running (not restarted) and drives them as before.
#include "tests/runtime/image_builder.h"
#include "tests/support/cgroup_root.h"
#include "tests/support/child_process.h"
#include "tests/support/fixtures.h"

#include <hostlet/sdk/grpc_bridge.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "k8s/cri/runtime/v1/api.hostlet.h"

namespace hostlet {
namespace {

namespace cri = runtime::v1;
using testing::ChildProcess;
using testing::Eventually;
using testing::ReadFile;
using testing::TempDir;

class AgentRestart : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir.path() / "plugins");
    std::filesystem::create_directories(dir.path() / "images");
    // Pods need a network configuration; loopback alone will do for this test.
    std::filesystem::create_directories(dir.path() / "net.d");
    std::ofstream(dir / "net.d/99-loopback.conflist")
        << R"({"cniVersion":"1.0.0","name":"lo","plugins":[{"type":"loopback"}]})";
    // The module and its helper, as installed side by side.
    std::filesystem::copy_file(HOSTLET_OCI_RUNTIME, dir.path() / "plugins/oci_runtime.so");
    std::filesystem::copy_file(HOSTLET_OCI_HELPER, dir.path() / "plugins/hostlet-oci-helper");
    std::filesystem::copy_file(HOSTLET_OCI_UNPACK, dir.path() / "plugins/hostlet-oci-unpack");
    testing::WriteOciLayout(testing::BusyboxImage({"/bin/sh"}), "busybox:restart", dir.path() / "images/busybox");
  }

  // Whatever a failed test left running is removed through an agent started for that.
  void TearDown() override {
    auto agent = StartAgent("cleanup.log");
    cri::ListPodSandboxResponse pods;
    runtime->ListPodSandbox({}, &pods);
    for (const auto& pod : pods.items()) {
      cri::RemovePodSandboxRequest remove;
      remove.set_pod_sandbox_id(pod.id());
      cri::RemovePodSandboxResponse removed;
      EXPECT_TRUE(runtime->RemovePodSandbox(remove, &removed).ok());
    }
    agent->Stop(SIGTERM, std::chrono::seconds(20));
  }

  std::unique_ptr<ChildProcess> StartAgent(const std::string& log) {
    nlohmann::json config = {{"root", dir / "root"},
                             {"state", dir / "state"},
                             {"importDirs", {dir / "images"}},
                             {"cgroupParent", cgroups.path()}};
    auto agent = std::make_unique<ChildProcess>(
        std::vector<std::string>{HOSTLET_AGENT_BINARY, "--plugin-dir", dir / "plugins", "--plugin-config",
                                 "oci=" + config.dump(), "--socket-dir", dir / "sockets",
                                 "--cni-conf-dir", dir / "net.d", "--cni-cache-dir", dir / "cni-cache"},
        dir / log);
    EXPECT_TRUE(Eventually([&] { return ReadFile(dir / log).find("ready") != std::string::npos; }))
        << ReadFile(dir / log);
    runtime = std::make_unique<cri::RuntimeServiceProxy>(GrpcChannel::Connect(dir / "sockets/oci.sock"));
    return agent;
  }

  int PidOf(const std::string& id) {
    cri::ContainerStatusRequest request;
    request.set_container_id(id);
    request.set_verbose(true);
    cri::ContainerStatusResponse response;
    EXPECT_TRUE(runtime->ContainerStatus(request, &response).ok());
    EXPECT_EQ(response.status().state(), cri::CONTAINER_RUNNING);
    return nlohmann::json::parse(response.info().at("info"))["pid"];
  }

  testing::CgroupRoot cgroups{"hostlet-restart-test"};  // removed after the pods, which empties it
  TempDir dir;
  std::unique_ptr<cri::RuntimeServiceProxy> runtime;
};

TEST_F(AgentRestart, RunningContainersSurviveAKilledAgent) {
  auto agent = StartAgent("agent1.log");
  cri::RunPodSandboxRequest run;
  run.mutable_config()->mutable_metadata()->set_name("survivor");
  run.mutable_config()->mutable_metadata()->set_namespace_("default");
  run.mutable_config()->set_log_directory(dir / "logs");
  cri::RunPodSandboxResponse pod;
  grpc::Status ran = runtime->RunPodSandbox(run, &pod);
  ASSERT_TRUE(ran.ok()) << ran.error_message();
  cri::CreateContainerRequest create;
  create.set_pod_sandbox_id(pod.pod_sandbox_id());
  create.mutable_config()->mutable_metadata()->set_name("ticker");
  create.mutable_config()->mutable_image()->set_image("busybox:restart");
  create.mutable_config()->add_command("/bin/sh");
  create.mutable_config()->add_args("-c");
  create.mutable_config()->add_args("while true; do echo tick; sleep 0.2; done");
  create.mutable_config()->set_log_path("ticker.log");
  cri::CreateContainerResponse created;
  grpc::Status status = runtime->CreateContainer(create, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  cri::StartContainerRequest start;
  start.set_container_id(created.container_id());
  cri::StartContainerResponse started;
  ASSERT_TRUE(runtime->StartContainer(start, &started).ok());
  const int pid = PidOf(created.container_id());

  agent->Stop(SIGKILL, std::chrono::seconds(10));
  agent = StartAgent("agent2.log");
  EXPECT_EQ(PidOf(created.container_id()), pid) << "the container was restarted";
  const std::string log = dir / "logs/ticker.log";
  size_t before = ReadFile(log).size();
  EXPECT_TRUE(Eventually([&] { return ReadFile(log).size() > before; })) << "its output no longer reaches the log";

  cri::RemovePodSandboxRequest remove;
  remove.set_pod_sandbox_id(pod.pod_sandbox_id());
  cri::RemovePodSandboxResponse removed;
  EXPECT_TRUE(runtime->RemovePodSandbox(remove, &removed).ok());
  EXPECT_EQ(agent->Stop(SIGTERM, std::chrono::seconds(20)), 0);
}

}  // namespace
}  // namespace hostlet
