// A CRI runtime that keeps pod sandboxes in memory: enough to see the RuntimeService contract
// end to end (Version, RunPodSandbox, ListPodSandbox, StopPodSandbox, RemovePodSandbox).
#include <hostlet/sdk/runtime_plugin.h>

#include <map>
#include <mutex>

class MemoryRuntime final : public hostlet::RuntimePlugin {
 public:
  explicit MemoryRuntime(const hostlet::PluginContext&) {}

  grpc::Status Version(const runtime::v1::VersionRequest&,
                       runtime::v1::VersionResponse* response) override {
    response->set_version("0.1.0");
    response->set_runtime_name("memory-runtime");
    response->set_runtime_version("0.1.0");
    response->set_runtime_api_version("v1");
    return grpc::Status::OK;
  }

  grpc::Status RunPodSandbox(const runtime::v1::RunPodSandboxRequest& request,
                             runtime::v1::RunPodSandboxResponse* response) override {
    std::lock_guard lock(mutex_);
    std::string id = "sandbox-" + std::to_string(++next_id_);
    runtime::v1::PodSandbox& sandbox = sandboxes_[id];
    sandbox.set_id(id);
    *sandbox.mutable_metadata() = request.config().metadata();
    sandbox.set_state(runtime::v1::SANDBOX_READY);
    response->set_pod_sandbox_id(id);
    return grpc::Status::OK;
  }

  grpc::Status StopPodSandbox(const runtime::v1::StopPodSandboxRequest& request,
                              runtime::v1::StopPodSandboxResponse*) override {
    std::lock_guard lock(mutex_);
    auto found = sandboxes_.find(request.pod_sandbox_id());
    if (found != sandboxes_.end()) found->second.set_state(runtime::v1::SANDBOX_NOTREADY);
    return grpc::Status::OK;
  }

  grpc::Status RemovePodSandbox(const runtime::v1::RemovePodSandboxRequest& request,
                                runtime::v1::RemovePodSandboxResponse*) override {
    std::lock_guard lock(mutex_);
    sandboxes_.erase(request.pod_sandbox_id());
    return grpc::Status::OK;
  }

  grpc::Status ListPodSandbox(const runtime::v1::ListPodSandboxRequest&,
                              runtime::v1::ListPodSandboxResponse* response) override {
    std::lock_guard lock(mutex_);
    for (const auto& [id, sandbox] : sandboxes_) *response->add_items() = sandbox;
    return grpc::Status::OK;
  }

 private:
  std::mutex mutex_;
  int next_id_ = 0;
  std::map<std::string, runtime::v1::PodSandbox> sandboxes_;
};

HOSTLET_PLUGIN(MemoryRuntime, "memory-runtime", "0.1.0", "Pod sandboxes kept in memory")
