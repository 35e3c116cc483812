// Pod sandboxes and containers through the OCI runtime module's CRI API, on real runc and on
// hostlet-runtime (the project's own OCI runtime): the lifecycle, logs, exec, stats, resource
// limits in the cgroup files, OOM kills, re-adoption by a new module instance, security
// settings, and bad input that leaves running containers alone.
#include "kubelet/plugins/loader.h"
#include "tests/runtime/image_builder.h"
#include "tests/support/cgroup_root.h"
#include "tests/support/fixtures.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <thread>

#include "k8s/cri/runtime/v1/api.hostlet.h"

#include <signal.h>

namespace hostlet {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
using testing::Eventually;
using testing::ReadFile;
namespace cri = runtime::v1;

const std::string kImage = "docker.io/library/busybox:test";



class Pods : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir.path() / "import");
    testing::WriteOciLayout(testing::BusyboxImage({"/bin/sh"}), kImage, dir.path() / "import" / "busybox");
    Start();
  }

  void TearDown() override {
    // Whatever a test left, the module removes: containers, mounts, namespaces, cgroups.
    Start();
    cri::ListPodSandboxResponse sandboxes;
    runtime->ListPodSandbox({}, &sandboxes);
    for (const auto& sandbox : sandboxes.items()) {
      cri::RemovePodSandboxRequest remove;
      remove.set_pod_sandbox_id(sandbox.id());
      cri::RemovePodSandboxResponse removed;
      EXPECT_TRUE(runtime->RemovePodSandbox(remove, &removed).ok());
    }
  }

  // A new module instance on the same directories, as after an agent restart.
  void Start(nlohmann::json extra = nlohmann::json::object()) {
    runtime.reset();
    channel.reset();
    nlohmann::json config = {{"root", dir / "root"},
                             {"state", dir / "state"},
                             {"importDirs", {dir / "import"}},
                             {"cgroupParent", cgroups.path()},
                             {"runtime", GetParam()}};
    config.update(extra);
    channel = plugins::Load(HOSTLET_OCI_RUNTIME)->Create(config.dump());
    runtime = std::make_unique<cri::RuntimeServiceProxy>(channel);
  }

  cri::PodSandboxConfig SandboxConfig(const std::string& name) {
    cri::PodSandboxConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_metadata()->set_namespace_("default");
    config.mutable_metadata()->set_uid(name + "-uid");
    config.set_hostname(name + "-host");
    config.set_log_directory(dir / ("logs/" + name));
    config.mutable_dns_config()->add_servers("127.0.0.53");
    config.mutable_dns_config()->add_searches("default.svc.cluster.local");
    return config;
  }

  std::string RunSandbox(const cri::PodSandboxConfig& config) {
    cri::RunPodSandboxRequest request;
    *request.mutable_config() = config;
    cri::RunPodSandboxResponse response;
    grpc::Status status = runtime->RunPodSandbox(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.pod_sandbox_id();
  }

  cri::ContainerConfig ContainerConfig(const std::string& name, const std::string& script) {
    cri::ContainerConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_image()->set_image(kImage);
    config.add_command("/bin/sh");
    config.add_args("-c");
    config.add_args(script);
    config.set_log_path(name + ".log");
    auto* env = config.add_envs();
    env->set_key("GREETING");
    env->set_value("hello from env");
    return config;
  }

  grpc::Status Create(const std::string& sandbox, const cri::ContainerConfig& config, const cri::PodSandboxConfig& pod,
                      std::string* id) {
    cri::CreateContainerRequest request;
    request.set_pod_sandbox_id(sandbox);
    *request.mutable_config() = config;
    *request.mutable_sandbox_config() = pod;
    cri::CreateContainerResponse response;
    grpc::Status status = runtime->CreateContainer(request, &response);
    *id = response.container_id();
    return status;
  }

  std::string CreateAndStart(const std::string& sandbox, const cri::ContainerConfig& config,
                             const cri::PodSandboxConfig& pod) {
    std::string id;
    grpc::Status created = Create(sandbox, config, pod, &id);
    EXPECT_TRUE(created.ok()) << created.error_message();
    cri::StartContainerRequest start;
    start.set_container_id(id);
    cri::StartContainerResponse started;
    grpc::Status status = runtime->StartContainer(start, &started);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return id;
  }

  cri::ContainerStatusResponse Status(const std::string& id) {
    cri::ContainerStatusRequest request;
    request.set_container_id(id);
    request.set_verbose(true);
    cri::ContainerStatusResponse response;
    EXPECT_TRUE(runtime->ContainerStatus(request, &response).ok());
    return response;
  }

  bool Exited(const std::string& id) { return Status(id).status().state() == cri::CONTAINER_EXITED; }

  cri::ExecSyncResponse Exec(const std::string& id, std::vector<std::string> cmd, int64_t timeout = 10,
                             grpc::Status* status_out = nullptr) {
    cri::ExecSyncRequest request;
    request.set_container_id(id);
    for (const auto& arg : cmd) request.add_cmd(arg);
    request.set_timeout(timeout);
    cri::ExecSyncResponse response;
    grpc::Status status = runtime->ExecSync(request, &response);
    if (status_out != nullptr) {
      *status_out = status;
    } else {
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
    return response;
  }

  std::string CgroupsPath(const std::string& id) {
    return nlohmann::json::parse(Status(id).info().at("info"))["cgroupsPath"];
  }

  testing::CgroupRoot cgroups{"hostlet-pods-test"};  // removed after the module, which empties it
  TempDir dir;
  std::shared_ptr<Channel> channel;
  std::unique_ptr<cri::RuntimeServiceProxy> runtime;
};

TEST_P(Pods, ContainerLifecycleWithLogsExecAndStats) {
  auto pod = SandboxConfig("web");
  std::string sandbox = RunSandbox(pod);
  std::string id = CreateAndStart(
      sandbox,
      ContainerConfig("app", "echo \"$GREETING\"; echo oops >&2; trap 'echo bye; exit 0' TERM; "
                             "while true; do sleep 0.1; done"),
      pod);
  auto status = Status(id);
  EXPECT_EQ(status.status().state(), cri::CONTAINER_RUNNING);
  EXPECT_GT(status.status().started_at(), status.status().created_at());
  const std::string log = dir / "logs/web/app.log";
  ASSERT_TRUE(Eventually([&] { return ReadFile(log).find("stderr F oops") != std::string::npos; })) << ReadFile(log);
  EXPECT_THAT(ReadFile(log), ::testing::ContainsRegex(
                                 "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{9}Z stdout F hello from env\n"));

  // The pod's files and namespaces are what the container sees.
  EXPECT_EQ(Exec(id, {"cat", "/etc/hostname"}).stdout(), "web-host\n");
  EXPECT_EQ(Exec(id, {"hostname"}).stdout(), "web-host\n");
  EXPECT_THAT(Exec(id, {"cat", "/etc/resolv.conf"}).stdout(), HasSubstr("nameserver 127.0.0.53"));
  EXPECT_EQ(Exec(id, {"sh", "-c", "echo out; echo err >&2; exit 3"}).exit_code(), 3);
  EXPECT_EQ(Exec(id, {"sh", "-c", "echo err >&2"}).stderr(), "err\n");
  grpc::Status timed_out;
  Exec(id, {"sleep", "30"}, 1, &timed_out);
  EXPECT_EQ(timed_out.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);

  cri::ContainerStatsRequest stats_request;
  stats_request.set_container_id(id);
  cri::ContainerStatsResponse stats;
  ASSERT_TRUE(runtime->ContainerStats(stats_request, &stats).ok());
  EXPECT_GT(stats.stats().memory().working_set_bytes().value(), 0u);
  EXPECT_GT(stats.stats().cpu().usage_core_nano_seconds().value(), 0u);
  cri::PodSandboxStatsRequest pod_stats_request;
  pod_stats_request.set_pod_sandbox_id(sandbox);
  cri::PodSandboxStatsResponse pod_stats;
  ASSERT_TRUE(runtime->PodSandboxStats(pod_stats_request, &pod_stats).ok());
  EXPECT_EQ(pod_stats.stats().attributes().metadata().name(), "web");
  EXPECT_GE(pod_stats.stats().linux().memory().working_set_bytes().value(),
            stats.stats().memory().working_set_bytes().value() / 2);
  ASSERT_EQ(pod_stats.stats().linux().containers_size(), 1);
  EXPECT_EQ(pod_stats.stats().linux().containers(0).attributes().id(), id);

  cri::ListContainersRequest list_request;
  list_request.mutable_filter()->set_pod_sandbox_id(sandbox);
  cri::ListContainersResponse list;
  ASSERT_TRUE(runtime->ListContainers(list_request, &list).ok());
  ASSERT_EQ(list.containers_size(), 1);
  EXPECT_EQ(list.containers(0).metadata().name(), "app");

  // A graceful stop: the container's own TERM handler runs.
  cri::StopContainerRequest stop;
  stop.set_container_id(id);
  stop.set_timeout(10);
  cri::StopContainerResponse stopped;
  ASSERT_TRUE(runtime->StopContainer(stop, &stopped).ok());
  status = Status(id);
  EXPECT_EQ(status.status().state(), cri::CONTAINER_EXITED);
  EXPECT_EQ(status.status().exit_code(), 0);
  EXPECT_EQ(status.status().reason(), "Completed");
  EXPECT_THAT(ReadFile(log), HasSubstr("stdout F bye"));

  cri::RemoveContainerRequest remove;
  remove.set_container_id(id);
  cri::RemoveContainerResponse removed;
  ASSERT_TRUE(runtime->RemoveContainer(remove, &removed).ok());
  list = {};
  ASSERT_TRUE(runtime->ListContainers({}, &list).ok());
  EXPECT_EQ(list.containers_size(), 0);

  cri::RemovePodSandboxRequest remove_pod;
  remove_pod.set_pod_sandbox_id(sandbox);
  cri::RemovePodSandboxResponse removed_pod;
  ASSERT_TRUE(runtime->RemovePodSandbox(remove_pod, &removed_pod).ok());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "state/sandboxes" / sandbox));
}

TEST_P(Pods, AnEndedContainerCountsAsRunningUntilItsExitIsRecorded) {
  // Without a PID namespace of its own the shell's background sleep outlives it and holds its
  // output open, so the monitor records the exit only after the sleep: meanwhile the container
  // must not look lost (UNKNOWN), or the agent would start it again.
  auto pod = SandboxConfig("ending");
  std::string sandbox = RunSandbox(pod);
  auto config = ContainerConfig("ending", "sleep 1 & exit 7");
  config.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(cri::NODE);
  std::string id = CreateAndStart(sandbox, config, pod);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  cri::ContainerState state = cri::CONTAINER_RUNNING;
  while (state != cri::CONTAINER_EXITED && std::chrono::steady_clock::now() < deadline) {
    state = Status(id).status().state();
    ASSERT_NE(state, cri::CONTAINER_UNKNOWN);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(state, cri::CONTAINER_EXITED);
  EXPECT_EQ(Status(id).status().exit_code(), 7);
}

TEST_P(Pods, ConcurrentCallsMakeEachSandboxAndContainerOnce) {
  // The same sandbox asked for twice at once: one is made, the other is refused.
  auto pod = SandboxConfig("twice");
  std::vector<grpc::Status> outcomes(2);
  std::vector<std::string> ids(2);
  {
    std::vector<std::thread> callers;
    for (int i = 0; i < 2; ++i) {
      callers.emplace_back([&, i] {
        cri::RunPodSandboxRequest request;
        *request.mutable_config() = pod;
        cri::RunPodSandboxResponse response;
        outcomes[i] = runtime->RunPodSandbox(request, &response);
        ids[i] = response.pod_sandbox_id();
      });
    }
    for (auto& caller : callers) caller.join();
  }
  ASSERT_NE(outcomes[0].ok(), outcomes[1].ok())
      << outcomes[0].error_message() << " / " << outcomes[1].error_message();
  const int made = outcomes[0].ok() ? 0 : 1;
  EXPECT_EQ(outcomes[1 - made].error_code(), grpc::StatusCode::ALREADY_EXISTS);
  const std::string sandbox = ids[made];

  // Containers of one sandbox made and started side by side all run; the same one twice is not.
  std::vector<std::string> containers(4);
  std::vector<grpc::Status> created(5);
  {
    std::vector<std::thread> callers;
    for (int i = 0; i < 5; ++i) {
      callers.emplace_back([&, i] {
        std::string name = "c" + std::to_string(std::min(i, 3));  // c3 twice
        std::string id;
        created[i] = Create(sandbox, ContainerConfig(name, "sleep 30"), pod, &id);
        if (!created[i].ok()) return;
        cri::StartContainerRequest start;
        start.set_container_id(id);
        cri::StartContainerResponse started;
        created[i] = runtime->StartContainer(start, &started);
        if (i < 4) containers[i] = id;
      });
    }
    for (auto& caller : callers) caller.join();
  }
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(created[i].ok()) << created[i].error_message();
  EXPECT_NE(created[3].ok(), created[4].ok()) << "c3 must be made exactly once";
  int running = 0;
  cri::ListContainersRequest list;
  cri::ListContainersResponse listed;
  ASSERT_TRUE(runtime->ListContainers(list, &listed).ok());
  for (const auto& container : listed.containers()) {
    if (container.pod_sandbox_id() == sandbox && container.state() == cri::CONTAINER_RUNNING) ++running;
  }
  EXPECT_EQ(running, 4);
}

TEST_P(Pods, ExitCodesAndReasons) {
  auto pod = SandboxConfig("jobs");
  std::string sandbox = RunSandbox(pod);
  std::string done = CreateAndStart(sandbox, ContainerConfig("done", "echo finished"), pod);
  std::string failed = CreateAndStart(sandbox, ContainerConfig("failed", "exit 7"), pod);
  ASSERT_TRUE(Eventually([&] { return Exited(done) && Exited(failed); }));
  EXPECT_EQ(Status(done).status().reason(), "Completed");
  EXPECT_EQ(Status(done).status().exit_code(), 0);
  EXPECT_EQ(Status(failed).status().reason(), "Error");
  EXPECT_EQ(Status(failed).status().exit_code(), 7);
  EXPECT_GE(Status(failed).status().finished_at(), Status(failed).status().started_at());

  // A container that ignores SIGTERM is killed when the grace period ends.
  std::string stubborn = CreateAndStart(sandbox, ContainerConfig("stubborn", "trap '' TERM; while true; do sleep 0.1; done"), pod);
  cri::StopContainerRequest stop;
  stop.set_container_id(stubborn);
  stop.set_timeout(1);
  cri::StopContainerResponse stopped;
  ASSERT_TRUE(runtime->StopContainer(stop, &stopped).ok());
  EXPECT_EQ(Status(stubborn).status().exit_code(), 137);
}

TEST_P(Pods, ResourceLimitsAreInTheCgroupAndOomKillsAreReported) {
  auto pod = SandboxConfig("limited");
  std::string sandbox = RunSandbox(pod);
  auto config = ContainerConfig("bounded", "while true; do sleep 0.1; done");
  auto* resources = config.mutable_linux()->mutable_resources();
  resources->set_memory_limit_in_bytes(64 * 1024 * 1024);
  resources->set_cpu_period(100000);
  resources->set_cpu_quota(50000);
  resources->set_cpu_shares(512);
  resources->set_oom_score_adj(-998);  // as for a Guaranteed pod; clamped where not allowed
  std::string id = CreateAndStart(sandbox, config, pod);
  const std::string cgroup = CgroupsPath(id);
  EXPECT_EQ(ReadFile("/sys/fs/cgroup/memory" + cgroup + "/memory.limit_in_bytes"), "67108864\n");
  EXPECT_EQ(ReadFile("/sys/fs/cgroup/cpu" + cgroup + "/cpu.cfs_quota_us"), "50000\n");
  EXPECT_EQ(ReadFile("/sys/fs/cgroup/cpu" + cgroup + "/cpu.cfs_period_us"), "100000\n");
  EXPECT_EQ(ReadFile("/sys/fs/cgroup/cpu" + cgroup + "/cpu.shares"), "512\n");

  // Raising the limit at run time.
  cri::UpdateContainerResourcesRequest update;
  update.set_container_id(id);
  update.mutable_linux()->set_memory_limit_in_bytes(128 * 1024 * 1024);
  cri::UpdateContainerResourcesResponse updated;
  grpc::Status status = runtime->UpdateContainerResources(update, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(ReadFile("/sys/fs/cgroup/memory" + cgroup + "/memory.limit_in_bytes"), "134217728\n");

  auto hungry = ContainerConfig("hungry", "dd if=/dev/zero of=/dev/null bs=96M count=1");
  hungry.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(32 * 1024 * 1024);
  std::string oom = CreateAndStart(sandbox, hungry, pod);
  ASSERT_TRUE(Eventually([&] { return Exited(oom); }));
  EXPECT_EQ(Status(oom).status().reason(), "OOMKilled");
  EXPECT_EQ(Status(oom).status().exit_code(), 137);
}

TEST_P(Pods, ANewModuleInstanceReadoptsRunningContainers) {
  auto pod = SandboxConfig("durable");
  std::string sandbox = RunSandbox(pod);
  std::string id = CreateAndStart(sandbox, ContainerConfig("ticker", "while true; do echo tick; sleep 0.2; done"), pod);
  int pid = nlohmann::json::parse(Status(id).info().at("info"))["pid"];
  ASSERT_GT(pid, 0);

  Start();  // the agent restarted
  auto status = Status(id);
  EXPECT_EQ(status.status().state(), cri::CONTAINER_RUNNING);
  EXPECT_EQ(nlohmann::json::parse(status.info().at("info"))["pid"], pid) << "the container was restarted";
  // Its output still reaches the log, and it can still be exec'd into and stopped.
  const std::string log = dir / "logs/durable/ticker.log";
  size_t before = ReadFile(log).size();
  EXPECT_TRUE(Eventually([&] { return ReadFile(log).size() > before; }));
  EXPECT_EQ(Exec(id, {"echo", "still here"}).stdout(), "still here\n");
  cri::PodSandboxStatusRequest sandbox_status;
  sandbox_status.set_pod_sandbox_id(sandbox);
  cri::PodSandboxStatusResponse sandbox_response;
  ASSERT_TRUE(runtime->PodSandboxStatus(sandbox_status, &sandbox_response).ok());
  EXPECT_EQ(sandbox_response.status().state(), cri::SANDBOX_READY);

  // Log rotation: the file is moved away and the monitor told to reopen it.
  std::filesystem::rename(log, log + ".1");
  cri::ReopenContainerLogRequest reopen;
  reopen.set_container_id(id);
  cri::ReopenContainerLogResponse reopened;
  ASSERT_TRUE(runtime->ReopenContainerLog(reopen, &reopened).ok());
  EXPECT_TRUE(Eventually([&] { return ReadFile(log).find("stdout F tick") != std::string::npos; }));
}

TEST_P(Pods, BadInputIsRefusedAndRunningContainersAreUntouched) {
  auto pod = SandboxConfig("steady");
  std::string sandbox = RunSandbox(pod);
  std::string steady = CreateAndStart(sandbox, ContainerConfig("steady", "while true; do sleep 0.1; done"), pod);
  std::string id;

  auto unknown_image = ContainerConfig("ghost", "true");
  unknown_image.mutable_image()->set_image("docker.io/library/nonexistent:1");
  grpc::Status status = Create(sandbox, unknown_image, pod, &id);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("nonexistent:1"));

  auto tiny = ContainerConfig("tiny", "true");
  tiny.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(1);
  status = Create(sandbox, tiny, pod, &id);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("memory_limit_in_bytes"));

  auto shares = ContainerConfig("shares", "true");
  shares.mutable_linux()->mutable_resources()->set_cpu_shares(1000000000);
  EXPECT_EQ(Create(sandbox, shares, pod, &id).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  auto mount = ContainerConfig("mount", "true");
  mount.add_mounts()->set_container_path("relative/path");
  EXPECT_EQ(Create(sandbox, mount, pod, &id).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  EXPECT_EQ(Create("no-such-sandbox", ContainerConfig("x", "true"), pod, &id).error_code(), grpc::StatusCode::NOT_FOUND);

  // A runtime binary that is missing, and one that fails: the container is made, and its start
  // (where the runtime is first asked, as with containerd) says why it cannot run; removing it
  // then is prompt.
  for (const char* broken : {"/nonexistent/runc", "/bin/false"}) {
    Start({{"runtime", broken}});
    status = Create(sandbox, ContainerConfig(std::string("broken") + std::to_string(broken[1]), "true"), pod, &id);
    ASSERT_TRUE(status.ok()) << status.error_message();
    cri::StartContainerRequest start;
    start.set_container_id(id);
    cri::StartContainerResponse started;
    status = runtime->StartContainer(start, &started);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << broken;
    EXPECT_THAT(status.error_message(), HasSubstr("could not start the container")) << broken;
    EXPECT_EQ(Status(id).status().state(), cri::CONTAINER_CREATED) << broken;
    auto removing = std::chrono::steady_clock::now();
    cri::RemoveContainerRequest remove;
    remove.set_container_id(id);
    cri::RemoveContainerResponse removed;
    EXPECT_TRUE(runtime->RemoveContainer(remove, &removed).ok()) << broken;
    EXPECT_LT(std::chrono::steady_clock::now() - removing, std::chrono::seconds(5)) << broken;
    cri::StatusResponse runtime_status;
    ASSERT_TRUE(runtime->Status({}, &runtime_status).ok());
    EXPECT_EQ(runtime_status.status().conditions(0).type(), "RuntimeReady");
    // A missing binary shows in the runtime's status; one that exists but fails only on use.
    EXPECT_EQ(runtime_status.status().conditions(0).status(), std::string(broken) == "/bin/false") << broken;
  }
  Start();
  EXPECT_EQ(Status(steady).status().state(), cri::CONTAINER_RUNNING);
  cri::ListContainersResponse list;
  ASSERT_TRUE(runtime->ListContainers({}, &list).ok());
  EXPECT_EQ(list.containers_size(), 1);
}

TEST_P(Pods, SecurityContextCapabilitiesSeccompAndReadOnlyRoot) {
  auto pod = SandboxConfig("secure");
  std::string sandbox = RunSandbox(pod);
  const std::string idle = "while true; do sleep 0.1; done";

  // Default capabilities allow chown; dropping ALL takes it away.
  std::string plain = CreateAndStart(sandbox, ContainerConfig("plain", idle), pod);
  EXPECT_EQ(Exec(plain, {"sh", "-c", "touch /tmp/f && chown 1:1 /tmp/f"}).exit_code(), 0);
  auto dropped_config = ContainerConfig("dropped", idle);
  dropped_config.mutable_linux()->mutable_security_context()->mutable_capabilities()->add_drop_capabilities("ALL");
  std::string dropped = CreateAndStart(sandbox, dropped_config, pod);
  EXPECT_NE(Exec(dropped, {"sh", "-c", "touch /tmp/f && chown 1:1 /tmp/f"}).exit_code(), 0);

  // With CAP_SYS_ADMIN, unshare(2) is still refused by the RuntimeDefault seccomp profile, and
  // allowed when the container is Unconfined.
  auto confined_config = ContainerConfig("confined", idle);
  auto* security = confined_config.mutable_linux()->mutable_security_context();
  security->mutable_capabilities()->add_add_capabilities("SYS_ADMIN");
  security->mutable_seccomp()->set_profile_type(cri::SecurityProfile::RuntimeDefault);
  std::string confined = CreateAndStart(sandbox, confined_config, pod);
  auto refused = Exec(confined, {"busybox", "unshare", "-u", "true"});
  EXPECT_NE(refused.exit_code(), 0);
  EXPECT_THAT(refused.stderr(), HasSubstr("Operation not permitted"));
  auto unconfined_config = confined_config;
  unconfined_config.mutable_metadata()->set_name("unconfined");
  unconfined_config.mutable_linux()->mutable_security_context()->mutable_seccomp()->set_profile_type(
      cri::SecurityProfile::Unconfined);
  std::string unconfined = CreateAndStart(sandbox, unconfined_config, pod);
  EXPECT_EQ(Exec(unconfined, {"busybox", "unshare", "-u", "true"}).exit_code(), 0);

  // A Localhost profile: the node's own seccomp JSON, here refusing mkdir.
  std::ofstream(dir / "no-mkdir.json")
      << R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]})";
  auto localhost_config = ContainerConfig("localhost", idle);
  localhost_config.mutable_linux()->mutable_security_context()->mutable_seccomp()->set_profile_type(
      cri::SecurityProfile::Localhost);
  localhost_config.mutable_linux()->mutable_security_context()->mutable_seccomp()->set_localhost_ref(dir / "no-mkdir.json");
  std::string localhost = CreateAndStart(sandbox, localhost_config, pod);
  EXPECT_NE(Exec(localhost, {"mkdir", "/tmp/new"}).exit_code(), 0);
  EXPECT_EQ(Exec(localhost, {"touch", "/tmp/file"}).exit_code(), 0);

  // A read-only root filesystem, a user from the security context, and a read-only bind mount.
  std::filesystem::create_directories(dir.path() / "shared");
  std::ofstream(dir / "shared/data.txt") << "shared data\n";
  auto locked_config = ContainerConfig("locked", idle);
  locked_config.mutable_linux()->mutable_security_context()->set_readonly_rootfs(true);
  locked_config.mutable_linux()->mutable_security_context()->mutable_run_as_user()->set_value(65534);
  auto* mount = locked_config.add_mounts();
  mount->set_container_path("/data");
  mount->set_host_path(dir / "shared");
  mount->set_readonly(true);
  std::string locked = CreateAndStart(sandbox, locked_config, pod);
  EXPECT_NE(Exec(locked, {"touch", "/newfile"}).exit_code(), 0);
  EXPECT_EQ(Exec(locked, {"id", "-u"}).stdout(), "65534\n");
  EXPECT_EQ(Exec(locked, {"cat", "/data/data.txt"}).stdout(), "shared data\n");
  EXPECT_NE(Exec(locked, {"sh", "-c", "echo x > /data/data.txt"}).exit_code(), 0);
}

// crun runs containers where the host allows it; on a host whose cgroups it cannot use (a
// cgroup v1/v2 hybrid) it must fail at once with its own reason, never hang.
TEST_P(Pods, CrunRunsOrFailsPromptlyWithItsReason) {
  auto pod = SandboxConfig("crun");
  std::string sandbox = RunSandbox(pod);
  Start({{"runtime", "crun"}});
  std::string id;
  ASSERT_TRUE(Create(sandbox, ContainerConfig("c", "echo from crun"), pod, &id).ok());
  auto started = std::chrono::steady_clock::now();
  cri::StartContainerRequest start;
  start.set_container_id(id);
  cri::StartContainerResponse response;
  grpc::Status status = runtime->StartContainer(start, &response);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  if (status.ok()) {
    ASSERT_TRUE(Eventually([&] { return Exited(id); }));
    EXPECT_EQ(Status(id).status().exit_code(), 0);
  } else {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(status.error_message(), HasSubstr("crun could not start the container: "));
    // The reason is crun's own words, not a generic failure.
    EXPECT_GT(status.error_message().size(), std::string("StartContainer: crun could not start the container: ").size() + 10);
  }
}

TEST_P(Pods, ACgroupParentOutsideTheHierarchyIsRefusedNamingTheField) {
  for (const char* bad : {"hostlet", "/", "/hostlet/", "/a/../b"}) {
    try {
      Start({{"cgroupParent", bad}});
      ADD_FAILURE() << "accepted cgroupParent " << bad;
    } catch (const std::exception& error) {
      EXPECT_THAT(error.what(), ::testing::HasSubstr("cgroupParent")) << bad;
    }
  }
  // A sandbox that names no cgroup parent gets its own cgroup under the configured one, and its
  // containers theirs below it.
  Start();
  auto pod = SandboxConfig("own");
  std::string id = RunSandbox(pod);
  CreateAndStart(id, ContainerConfig("idle", "sleep 1000"), pod);
  const std::string mine = cgroups.path() + "/" + id;
  EXPECT_TRUE(std::filesystem::is_directory("/sys/fs/cgroup/memory" + mine)) << mine;
  cri::RemovePodSandboxRequest remove;
  remove.set_pod_sandbox_id(id);
  cri::RemovePodSandboxResponse removed;
  ASSERT_TRUE(runtime->RemovePodSandbox(remove, &removed).ok());
  EXPECT_FALSE(std::filesystem::exists("/sys/fs/cgroup/memory" + mine)) << mine;
}

INSTANTIATE_TEST_SUITE_P(Runtimes, Pods, ::testing::Values("runc", HOSTLET_NATIVE_RUNTIME),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param == "runc" ? std::string("runc") : std::string("hostlet_runtime");
                         });

}  // namespace
}  // namespace hostlet
