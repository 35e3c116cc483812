// Base class of network modules (CNI spec 1.x). Each command receives the CNI_* parameters and
// the network configuration as the spec passes them to a binary; results and errors are the
// spec's JSON. Throw hostlet::CniError to fail with a spec error code.
#pragma once

#include <hostlet/sdk/plugin.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace hostlet {

// The spec's well-known error codes.
enum CniErrorCode : int {
  kCniIncompatibleVersion = 1,
  kCniUnsupportedField = 2,
  kCniUnknownContainer = 3,
  kCniInvalidEnvironment = 4,
  kCniIoFailure = 5,
  kCniDecodeFailure = 6,
  kCniInvalidConfig = 7,
  kCniTryAgainLater = 11,
  kCniNotAvailable = 50,
  kCniLimitedConnectivity = 51,
  // Plugin-specific range (100+): the module failed without saying how in CNI terms.
  kCniPluginFailure = 999,
};

class CniError : public std::runtime_error {
 public:
  CniError(int code, const std::string& message, std::string details = {})
      : std::runtime_error(message), code_(code), details_(std::move(details)) {}
  int code() const { return code_; }
  const std::string& details() const { return details_; }
  // {"cniVersion","code","msg"[,"details"]}
  nlohmann::json ToJson(const std::string& cni_version) const;

 private:
  int code_;
  std::string details_;
};

// One CNI invocation: the CNI_* environment and the configuration from stdin.
struct CniRequest {
  std::string container_id;  // CNI_CONTAINERID
  std::string netns;         // CNI_NETNS (a path)
  std::string if_name;       // CNI_IFNAME
  std::string args;          // CNI_ARGS
  std::string path;          // CNI_PATH
  nlohmann::json config;     // the network configuration, with prevResult when chained

  // The configuration's cniVersion (FromJson checked it is a string), or 1.1.0 when absent.
  std::string cni_version() const {
    auto found = config.find("cniVersion");
    return found != config.end() && found->is_string() ? found->get<std::string>() : "1.1.0";
  }
  nlohmann::json ToJson() const;
  static CniRequest FromJson(const nlohmann::json& envelope);  // throws CniError
};

class NetworkPlugin : public PluginInstance {
 public:
  static constexpr hostlet_kind kKind = HOSTLET_KIND_NETWORK;

  // Each default fails with kCniInvalidEnvironment ("not implemented by this plugin").
  virtual nlohmann::json Add(const CniRequest& request);  // returns the result
  virtual void Del(const CniRequest& request);
  virtual void Check(const CniRequest& request);
  virtual void Status(const CniRequest& request);
  virtual void Gc(const CniRequest& request);
  virtual std::vector<std::string> SupportedVersions() const;

  // Dispatches HOSTLET_CNI_* methods; errors leave as the spec's error JSON.
  grpc::Status Call(const char* method, std::string_view request, std::string* response) override;
};

}  // namespace hostlet
