#include "tests/runtime/cri_backends.h"

#include "tests/support/containerd_config.h"

#include <nlohmann/json.hpp>
#include <sys/mount.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace hostlet::testing {
namespace {

// The module reached as the agent reaches it: through its CRI client, by module name, or by the
// socket the module is served on.
class ModuleBackend : public CriBackend {
 public:
  ModuleBackend(const std::filesystem::path& work, bool over_socket) : over_socket_(over_socket) {
    nlohmann::json config = {{"root", (work / "root").string()}, {"state", (work / "state").string()}};
    abi_ = plugins::Load(HOSTLET_OCI_RUNTIME)->Create(config.dump());
    auto modules = [this](const std::string& name) { return name == "oci" ? abi_ : nullptr; };
    if (over_socket) {
      server_ = std::make_unique<GrpcBridgeServer>(abi_, (work / "cri.sock").string());
      client_ = cri::ConnectRuntime("unix://" + (work / "cri.sock").string(), modules);
    } else {
      client_ = cri::ConnectRuntime("module:oci", modules);
    }
  }
  std::shared_ptr<Channel> channel() override { return client_->channel; }
  std::string name() const override { return over_socket_ ? "module over gRPC" : "module in process"; }

 private:
  bool over_socket_;
  std::shared_ptr<Channel> abi_;
  std::unique_ptr<GrpcBridgeServer> server_;
  std::unique_ptr<cri::RuntimeClient> client_;
};

// Unmounts everything still mounted below `dir`, deepest first.
void UnmountBelow(const std::filesystem::path& dir) {
  std::vector<std::string> mounts;
  std::ifstream table("/proc/self/mounts");
  std::string line;
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string device, target;
    fields >> device >> target;
    if (target.starts_with(dir.string())) mounts.push_back(target);
  }
  std::sort(mounts.rbegin(), mounts.rend());
  for (const auto& target : mounts) umount2(target.c_str(), MNT_DETACH);
}

class ContainerdBackend : public CriBackend {
 public:
  ContainerdBackend(const LocalRegistry& registry, const std::filesystem::path& work) : work_(work) {
    // A bridge of its own on a subnet of its own, so the test touches no network of the host's.
    bridge_ = "hlct" + std::to_string(getpid() % 100000);
    std::filesystem::create_directories(work / "cni");
    nlohmann::json conflist = {
        {"cniVersion", "1.0.0"},
        {"name", "containerd-test"},
        {"plugins",
         {{{"type", "bridge"}, {"bridge", bridge_}, {"isGateway", true}, {"ipMasq", false},
           {"ipam", {{"type", "host-local"}, {"dataDir", (work / "ipam").string()},
                     {"ranges", {{{{"subnet", "10.251." + std::to_string(getpid() % 200) + ".0/24"}}}}}}}},
          {{"type", "loopback"}}}}};
    std::ofstream(work / "cni/10-test.conflist") << conflist.dump();
    std::ofstream(work / "config.toml")
        << ContainerdConfig(work, registry.host() + "/pause:test", work / "cni")
        << "  [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"" << registry.host() << "\"]\n"
        << "    endpoint = [\"http://" << registry.host() << "\"]\n";
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/containerd", "--config", (work / "config.toml").string()},
        (work / "containerd.log").string());
    channel_ = cri::ConnectRuntime("unix://" + (work / "containerd.sock").string(), nullptr)->channel;
    for (int attempt = 0; attempt < 300; ++attempt) {
      std::string response;
      if (std::filesystem::exists(work / "containerd.sock") &&
          channel_->Unary("/runtime.v1.RuntimeService/Version", "", &response).ok()) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::ifstream log(work / "containerd.log");
    std::stringstream text;
    text << log.rdbuf();
    throw std::runtime_error("containerd did not come up: " + text.str());
  }

  ~ContainerdBackend() override {
    process_->Stop(SIGTERM, std::chrono::seconds(20));
    UnmountBelow(work_);
    std::string command = "ip link delete " + bridge_ + " 2>/dev/null";
    if (std::system(command.c_str()) != 0) {
      // The bridge was never created (no pod got a network): nothing to remove.
    }
  }
  std::shared_ptr<Channel> channel() override { return channel_; }
  std::string name() const override { return "containerd"; }

 private:
  std::filesystem::path work_;
  std::string bridge_;
  std::unique_ptr<ChildProcess> process_;
  std::shared_ptr<Channel> channel_;
};

}  // namespace

std::unique_ptr<CriBackend> MakeCriBackend(const std::string& kind, const LocalRegistry& registry,
                                           const std::filesystem::path& work) {
  if (kind == "containerd") return std::make_unique<ContainerdBackend>(registry, work);
  return std::make_unique<ModuleBackend>(work, kind == "socket");
}

}  // namespace hostlet::testing
