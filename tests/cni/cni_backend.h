// One CNI plugin behind one interface, so a test body runs unchanged against the bridge module
// in process (loaded through the ABI, called through its Channel), the same module as a CNI
// binary (hostlet-cni), and the reference bridge + host-local binaries.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <utility>

namespace hostlet::cni_test {

struct CniCall {
  CniCall(std::string command, std::string container_id, std::string netns,
          std::string if_name = "eth0", std::string args = "")
      : command(std::move(command)),
        container_id(std::move(container_id)),
        netns(std::move(netns)),
        if_name(std::move(if_name)),
        args(std::move(args)) {}

  std::string command;  // ADD, DEL, CHECK, STATUS, GC
  std::string container_id;
  std::string netns;
  std::string if_name;
  std::string args;  // CNI_ARGS
};

struct CniOutcome {
  bool ok = false;
  // ADD's result, or the error object on failure; null when a command succeeded silently.
  nlohmann::json json;
  std::string raw;  // what the plugin printed, for failure messages

  int code() const { return ok ? 0 : json.value("code", -1); }
  std::string msg() const { return ok ? "" : json.value("msg", raw); }
};

enum class Backend { kInProcess, kHostletCni, kReference };

class CniBackend {
 public:
  virtual ~CniBackend() = default;
  CniOutcome Run(const CniCall& call, const nlohmann::json& config) {
    return RunText(call, config.dump());
  }
  // With the configuration as text, which need not be JSON. In process, text that is not JSON
  // is passed as the whole request, as a host that forwards bytes unchecked would.
  virtual CniOutcome RunText(const CniCall& call, const std::string& config) = 0;
};

std::unique_ptr<CniBackend> MakeBackend(Backend backend);
std::string BackendName(Backend backend);

}  // namespace hostlet::cni_test
