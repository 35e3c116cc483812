#include "tests/cni/cni_backend.h"

#include "kubelet/plugins/loader.h"
#include "tests/cni/process.h"
#include "tests/support/fixtures.h"

#include <hostlet/abi.h>

#include <filesystem>

namespace hostlet::cni_test {
namespace {

CniOutcome FromText(bool ok, const std::string& text) {
  CniOutcome outcome{ok, nullptr, text};
  if (!text.empty()) outcome.json = nlohmann::json::parse(text, nullptr, false);
  if (outcome.json.is_discarded()) outcome.json = nullptr;
  return outcome;
}

// The module loaded in this process, called through the C ABI.
class InProcess final : public CniBackend {
 public:
  InProcess()
      : module_(plugins::Load(HOSTLET_CNI_BRIDGE_MODULE, HOSTLET_KIND_NETWORK)),
        channel_(module_->Create()) {}

  CniOutcome RunText(const CniCall& call, const std::string& text) override {
    nlohmann::json config = nlohmann::json::parse(text, nullptr, false);
    std::string request = text;
    if (!config.is_discarded()) {
      request = nlohmann::json{
          {"containerID", call.container_id},
          {"netns", call.netns},
          {"ifName", call.if_name},
          {"args", call.args},
          {"path", ""},
          {"config",
           config}}.dump();
    }
    std::string response;
    grpc::Status status = channel_->Unary(call.command.c_str(), request, &response);
    if (!status.ok()) return FromText(false, status.error_message());
    // Only ADD has a result; the module answers the others with an empty object.
    return FromText(true, call.command == HOSTLET_CNI_ADD ? response : "");
  }

 private:
  std::shared_ptr<plugins::Module> module_;
  std::shared_ptr<Channel> channel_;
};

// A CNI binary run as a runtime runs it.
class Executable final : public CniBackend {
 public:
  Executable(std::string binary, std::string cni_path)
      : binary_(std::move(binary)), cni_path_(std::move(cni_path)) {}

  CniOutcome RunText(const CniCall& call, const std::string& config) override {
    ProcessResult result = RunProcess(
        {binary_},
        {"CNI_COMMAND=" + call.command, "CNI_CONTAINERID=" + call.container_id,
         "CNI_NETNS=" + call.netns, "CNI_IFNAME=" + call.if_name, "CNI_ARGS=" + call.args,
         "CNI_PATH=" + cni_path_, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"},
        config);
    CniOutcome outcome = FromText(result.exit_code == 0, result.out);
    outcome.raw += result.err;
    return outcome;
  }

 private:
  std::string binary_;
  std::string cni_path_;
};

// hostlet-cni in a CNI bin dir of its own, linked under the type's name with the module beside
// it as "<type>.so".
class HostletCni final : public CniBackend {
 public:
  HostletCni() : executable_(bin_ / "bridge", bin_.path().string()) {
    std::filesystem::create_symlink(HOSTLET_CNI_BINARY, bin_.path() / "bridge");
    std::filesystem::create_symlink(HOSTLET_CNI_BRIDGE_MODULE, bin_.path() / "bridge.so");
  }
  CniOutcome RunText(const CniCall& call, const std::string& config) override {
    return executable_.RunText(call, config);
  }

 private:
  testing::TempDir bin_;
  Executable executable_;
};

}  // namespace

std::unique_ptr<CniBackend> MakeBackend(Backend backend) {
  switch (backend) {
    case Backend::kInProcess:
      return std::make_unique<InProcess>();
    case Backend::kHostletCni:
      return std::make_unique<HostletCni>();
    case Backend::kReference:
      return std::make_unique<Executable>(HOSTLET_REFERENCE_CNI_DIR "/bridge",
                                          HOSTLET_REFERENCE_CNI_DIR);
  }
  return nullptr;
}

std::string BackendName(Backend backend) {
  switch (backend) {
    case Backend::kInProcess:
      return "InProcessModule";
    case Backend::kHostletCni:
      return "HostletCniBinary";
    case Backend::kReference:
      return "ReferencePlugins";
  }
  return "Unknown";
}

}  // namespace hostlet::cni_test
