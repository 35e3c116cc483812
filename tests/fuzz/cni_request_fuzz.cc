// What a network module receives comes from outside: a CNI configuration on stdin (through
// hostlet-cni) or a request envelope from the host. Any bytes, through either path, must give a
// result or the spec's error JSON, never a crash.
#include <hostlet/sdk/cni_exec.h>
#include <hostlet/sdk/local_channel.h>
#include <hostlet/sdk/network_plugin.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <sstream>

namespace {

class EchoNetwork final : public hostlet::NetworkPlugin {
 public:
  nlohmann::json Add(const hostlet::CniRequest& request) override {
    return {{"cniVersion", request.cni_version()}, {"echo", request.config}};
  }
  void Del(const hostlet::CniRequest&) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto plugin = std::make_shared<EchoNetwork>();
  static hostlet::LocalChannel channel(plugin);
  std::string bytes(reinterpret_cast<const char*>(data), size);

  // As a CNI binary's stdin.
  std::istringstream in(bytes);
  std::ostringstream out;
  int code = hostlet::RunCniExec(channel, [](const char* name) -> const char* {
    std::string_view key(name);
    if (key == "CNI_COMMAND") return "ADD";
    if (key == "CNI_CONTAINERID") return "c";
    if (key == "CNI_NETNS") return "/proc/self/ns/net";
    if (key == "CNI_IFNAME") return "eth0";
    return nullptr;
  }, in, out);
  // Whatever happened, stdout holds one JSON object: a result or an error.
  if (!nlohmann::json::accept(out.str()) || (code != 0 && code != 1)) std::abort();

  // As a request envelope across the ABI.
  std::string response;
  grpc::Status status = channel.Unary(HOSTLET_CNI_ADD, bytes, &response);
  if (!status.ok() && !nlohmann::json::accept(status.error_message())) std::abort();
  return 0;
}

std::vector<std::string> FuzzSeeds() {
  return {R"({"cniVersion":"1.1.0","name":"n","type":"t","prevResult":{"ips":[]}})",
          R"({"containerID":"c","netns":"/x","ifName":"eth0","config":{"cniVersion":"0.4.0"}})",
          R"({"config":[],"netns":7})", "", "{", "[1,2,3]", R"({"cniVersion":5})"};
}
