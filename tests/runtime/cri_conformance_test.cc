// One CRI test body, run against the OCI runtime module in process, the same module served over
// gRPC on a unix socket, and Debian's containerd: what the agent relies on from any runtime.
#include "tests/runtime/cri_backends.h"
#include "tests/runtime/image_builder.h"
#include "tests/runtime/registry_fixture.h"
#include "tests/support/cgroup_root.h"

#include <fstream>
#include <sstream>
#include <thread>

#include "k8s/cri/runtime/v1/api.hostlet.h"

#include <unistd.h>

namespace hostlet {
namespace {

using ::testing::HasSubstr;
namespace cri = runtime::v1;
using testing::Eventually;
using testing::ReadFile;



class Cri : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    registry_ = new testing::LocalRegistry();
    registry_->Push(testing::BusyboxImage({"/bin/sh"}), "tools/busybox", "1");
    registry_->Push(testing::BusyboxImage({"/bin/busybox", "sleep", "999999"}), "pause", "test");
  }
  static void TearDownTestSuite() {
    delete registry_;
    registry_ = nullptr;
  }

  void SetUp() override {
    backend = testing::MakeCriBackend(GetParam(), *registry_, dir.path());
    runtime = std::make_unique<cri::RuntimeServiceProxy>(backend->channel());
    images = std::make_unique<cri::ImageServiceProxy>(backend->channel());
    image = registry_->host() + "/tools/busybox:1";
  }

  void TearDown() override {
    cri::ListPodSandboxResponse sandboxes;
    runtime->ListPodSandbox({}, &sandboxes);
    for (const auto& sandbox : sandboxes.items()) {
      cri::StopPodSandboxRequest stop;
      stop.set_pod_sandbox_id(sandbox.id());
      cri::StopPodSandboxResponse stopped;
      runtime->StopPodSandbox(stop, &stopped);
      cri::RemovePodSandboxRequest remove;
      remove.set_pod_sandbox_id(sandbox.id());
      cri::RemovePodSandboxResponse removed;
      EXPECT_TRUE(runtime->RemovePodSandbox(remove, &removed).ok());
    }
    runtime.reset();
    images.reset();
    backend.reset();
  }

  void Pull() {
    cri::PullImageRequest pull;
    pull.mutable_image()->set_image(image);
    cri::PullImageResponse pulled;
    grpc::Status status = images->PullImage(pull, &pulled);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  cri::PodSandboxConfig Pod(const std::string& name) {
    cri::PodSandboxConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_metadata()->set_namespace_("default");
    config.mutable_metadata()->set_uid(name + "-" + std::to_string(getpid()));
    config.set_hostname(name);
    config.set_log_directory((dir.path() / "logs" / name).string());
    config.mutable_linux()->set_cgroup_parent(cgroups.path());
    return config;
  }

  std::string RunPod(const cri::PodSandboxConfig& config) {
    cri::RunPodSandboxRequest request;
    *request.mutable_config() = config;
    cri::RunPodSandboxResponse response;
    grpc::Status status = runtime->RunPodSandbox(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.pod_sandbox_id();
  }

  cri::ContainerConfig Container(const std::string& name, const std::string& script) {
    cri::ContainerConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_image()->set_image(image);
    config.add_command("/bin/sh");
    config.add_args("-c");
    config.add_args(script);
    config.set_log_path(name + ".log");
    return config;
  }

  grpc::Status Create(const std::string& pod_id, const cri::PodSandboxConfig& pod, const cri::ContainerConfig& config,
                      std::string* id) {
    cri::CreateContainerRequest request;
    request.set_pod_sandbox_id(pod_id);
    *request.mutable_config() = config;
    *request.mutable_sandbox_config() = pod;
    cri::CreateContainerResponse response;
    grpc::Status status = runtime->CreateContainer(request, &response);
    *id = response.container_id();
    return status;
  }

  std::string Start(const std::string& pod_id, const cri::PodSandboxConfig& pod, const cri::ContainerConfig& config) {
    std::string id;
    grpc::Status created = Create(pod_id, pod, config, &id);
    EXPECT_TRUE(created.ok()) << created.error_message();
    cri::StartContainerRequest start;
    start.set_container_id(id);
    cri::StartContainerResponse started;
    grpc::Status status = runtime->StartContainer(start, &started);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return id;
  }

  cri::ContainerStatus Status(const std::string& id) {
    cri::ContainerStatusRequest request;
    request.set_container_id(id);
    cri::ContainerStatusResponse response;
    EXPECT_TRUE(runtime->ContainerStatus(request, &response).ok());
    return response.status();
  }

  cri::ExecSyncResponse Exec(const std::string& id, const std::vector<std::string>& cmd) {
    cri::ExecSyncRequest request;
    request.set_container_id(id);
    for (const auto& arg : cmd) request.add_cmd(arg);
    request.set_timeout(20);
    cri::ExecSyncResponse response;
    grpc::Status status = runtime->ExecSync(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  static testing::LocalRegistry* registry_;
  testing::CgroupRoot cgroups{"hostlet-cri-test"};  // the pods' parent, removed after the pods
  testing::TempDir dir;
  std::unique_ptr<testing::CriBackend> backend;
  std::unique_ptr<cri::RuntimeServiceProxy> runtime;
  std::unique_ptr<cri::ImageServiceProxy> images;
  std::string image;
};

testing::LocalRegistry* Cri::registry_ = nullptr;

TEST_P(Cri, PullsAnImageFromARegistry) {
  Pull();
  cri::ImageStatusRequest request;
  request.mutable_image()->set_image(image);
  cri::ImageStatusResponse response;
  ASSERT_TRUE(images->ImageStatus(request, &response).ok());
  ASSERT_TRUE(response.has_image());
  EXPECT_THAT(response.image().repo_tags(), ::testing::Contains(image));
  EXPECT_GT(response.image().size(), 500000u);
}

TEST_P(Cri, RunsAPodAndItsContainerWithLogsExecAndStats) {
  Pull();
  auto pod = Pod("web");
  std::string pod_id = RunPod(pod);
  std::string id = Start(pod_id, pod, Container("app", "echo hello; trap 'echo bye; exit 0' TERM; "
                                                       "while true; do sleep 0.1; done"));
  ASSERT_TRUE(Eventually([&] { return Status(id).state() == cri::CONTAINER_RUNNING; }));
  const auto log = dir.path() / "logs/web/app.log";
  ASSERT_TRUE(Eventually([&] { return ReadFile(log).find(" stdout F hello\n") != std::string::npos; }))
      << ReadFile(log);
  EXPECT_EQ(Exec(id, {"echo", "inside"}).stdout(), "inside\n");
  EXPECT_EQ(Exec(id, {"sh", "-c", "exit 4"}).exit_code(), 4);

  cri::ListContainerStatsResponse stats;
  ASSERT_TRUE(runtime->ListContainerStats({}, &stats).ok());
  ASSERT_EQ(stats.stats_size(), 1);
  EXPECT_GT(stats.stats(0).memory().working_set_bytes().value(), 0u);

  cri::StopContainerRequest stop;
  stop.set_container_id(id);
  stop.set_timeout(10);
  cri::StopContainerResponse stopped;
  ASSERT_TRUE(runtime->StopContainer(stop, &stopped).ok());
  auto status = Status(id);
  EXPECT_EQ(status.state(), cri::CONTAINER_EXITED);
  EXPECT_EQ(status.exit_code(), 0);
  EXPECT_EQ(status.reason(), "Completed");
  EXPECT_TRUE(Eventually([&] { return ReadFile(log).find(" stdout F bye\n") != std::string::npos; }));

  cri::RemoveContainerRequest remove;
  remove.set_container_id(id);
  cri::RemoveContainerResponse removed;
  ASSERT_TRUE(runtime->RemoveContainer(remove, &removed).ok());
  cri::ListContainersResponse list;
  ASSERT_TRUE(runtime->ListContainers({}, &list).ok());
  EXPECT_EQ(list.containers_size(), 0);
}

TEST_P(Cri, ReportsExitCodesLimitsAndOomKills) {
  Pull();
  auto pod = Pod("batch");
  std::string pod_id = RunPod(pod);
  auto limited = Container("limited", "while true; do sleep 0.1; done");
  limited.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(64 * 1024 * 1024);
  limited.mutable_linux()->mutable_resources()->set_oom_score_adj(-998);
  std::string running = Start(pod_id, pod, limited);
  ASSERT_TRUE(Eventually([&] { return Status(running).state() == cri::CONTAINER_RUNNING; }));
  EXPECT_EQ(Exec(running, {"cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}).stdout(), "67108864\n");

  std::string failed = Start(pod_id, pod, Container("failed", "exit 7"));
  auto hungry = Container("hungry", "dd if=/dev/zero of=/dev/null bs=96M count=1");
  hungry.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(32 * 1024 * 1024);
  std::string oom = Start(pod_id, pod, hungry);
  ASSERT_TRUE(Eventually([&] {
    return Status(failed).state() == cri::CONTAINER_EXITED && Status(oom).state() == cri::CONTAINER_EXITED;
  }));
  EXPECT_EQ(Status(failed).exit_code(), 7);
  EXPECT_EQ(Status(failed).reason(), "Error");
  // A runtime may learn of the OOM kill a moment after the exit (containerd does, from a
  // separate event): the reason must settle on OOMKilled. containerd 1.6, the reference here,
  // sometimes misses that event on a loaded machine and keeps "Error"; ours must not.
  bool oom_reported =
      Eventually([&] { return Status(oom).reason() == "OOMKilled"; }, std::chrono::seconds(10));
  if (GetParam() == "containerd" && !oom_reported) {
    EXPECT_EQ(Status(oom).reason(), "Error");
  } else {
    EXPECT_TRUE(oom_reported) << Status(oom).reason();
  }
  EXPECT_EQ(Status(oom).exit_code(), 137);
}

TEST_P(Cri, RefusesAnImageThatIsNotThere) {
  Pull();
  auto pod = Pod("ghost");
  std::string pod_id = RunPod(pod);
  auto config = Container("ghost", "true");
  config.mutable_image()->set_image(registry_->host() + "/tools/never-pushed:1");
  std::string id;
  grpc::Status status = Create(pod_id, pod, config, &id);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.error_message(), HasSubstr("never-pushed"));
}

INSTANTIATE_TEST_SUITE_P(Runtimes, Cri, ::testing::Values("abi", "socket", "containerd"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace hostlet
