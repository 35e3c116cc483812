#include <hostlet/sdk/cni_exec.h>

#include <hostlet/abi.h>

#include <nlohmann/json.hpp>

#include <istream>
#include <iterator>
#include <ostream>
#include <set>

namespace hostlet {
namespace {

// The spec's error codes this adapter reports itself.
constexpr int kInvalidEnvironment = 4;
constexpr int kDecodeFailure = 6;
constexpr int kPluginFailure = 999;  // as hostlet::kCniPluginFailure

int Fail(std::ostream& out, const std::string& version, int code, const std::string& message,
         const std::string& details = {}) {
  nlohmann::json error = {{"cniVersion", version}, {"code", code}, {"msg", message}};
  if (!details.empty()) error["details"] = details;
  out << error.dump() << "\n";
  return 1;
}

}  // namespace

int RunCniExec(Channel& network, const EnvLookup& env, std::istream& in, std::ostream& out) {
  auto get = [&](const char* name) {
    const char* value = env(name);
    return std::string(value != nullptr ? value : "");
  };
  const std::string command = get("CNI_COMMAND");
  static const std::set<std::string> kCommands = {HOSTLET_CNI_ADD,    HOSTLET_CNI_DEL,
                                                  HOSTLET_CNI_CHECK,  HOSTLET_CNI_STATUS,
                                                  HOSTLET_CNI_GC,     HOSTLET_CNI_VERSION};
  std::string version = "1.1.0";
  if (!kCommands.contains(command)) {
    return Fail(out, version, kInvalidEnvironment,
                command.empty() ? "CNI_COMMAND is not set" : "unknown CNI_COMMAND " + command);
  }
  std::string stdin_text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  nlohmann::json envelope = nlohmann::json::object();
  if (command != HOSTLET_CNI_VERSION) {
    nlohmann::json config = nlohmann::json::parse(stdin_text, nullptr, false);
    if (config.is_discarded() || !config.is_object()) {
      return Fail(out, version, kDecodeFailure, "network configuration on stdin is not a JSON object");
    }
    if (config.contains("cniVersion") && config["cniVersion"].is_string()) {
      version = config["cniVersion"].get<std::string>();
    }
    const bool needs_container = command == HOSTLET_CNI_ADD || command == HOSTLET_CNI_DEL ||
                                 command == HOSTLET_CNI_CHECK;
    for (const char* name : {"CNI_CONTAINERID", "CNI_IFNAME"}) {
      if (needs_container && get(name).empty()) {
        return Fail(out, version, kInvalidEnvironment, std::string(name) + " is not set");
      }
    }
    if ((command == HOSTLET_CNI_ADD || command == HOSTLET_CNI_CHECK) && get("CNI_NETNS").empty()) {
      return Fail(out, version, kInvalidEnvironment, "CNI_NETNS is not set");
    }
    envelope = {{"containerID", get("CNI_CONTAINERID")}, {"netns", get("CNI_NETNS")},
                {"ifName", get("CNI_IFNAME")},           {"args", get("CNI_ARGS")},
                {"path", get("CNI_PATH")},               {"config", config}};
  }
  std::string response;
  grpc::Status status = network.Unary(command.c_str(), envelope.dump(), &response);
  if (!status.ok()) {
    nlohmann::json error = nlohmann::json::parse(status.error_message(), nullptr, false);
    if (error.is_object() && error.contains("code") && error.contains("msg")) {
      out << error.dump() << "\n";
      return 1;
    }
    return Fail(out, version, kPluginFailure, "network plugin failed: " + status.error_message());
  }
  // Only ADD and VERSION print a result; the other commands print nothing on success.
  if (command == HOSTLET_CNI_ADD || command == HOSTLET_CNI_VERSION) {
    nlohmann::json result = nlohmann::json::parse(response, nullptr, false);
    if (result.is_discarded() || !result.is_object()) {
      return Fail(out, version, kPluginFailure, "network plugin returned a result that is not JSON");
    }
    out << result.dump() << "\n";
  }
  return 0;
}

}  // namespace hostlet
