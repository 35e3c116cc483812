// A NetworkManager over directories of its own: configurations, a CNI bin dir for test
// scripts, the result cache, and a file where the echo-net module records its calls.
#pragma once

#include "kubelet/network/error.h"
#include "kubelet/network/manager.h"
#include "kubelet/plugins/loader.h"
#include "tests/network/network_fixtures.h"

#include <nlohmann/json.hpp>

#include <map>
#include <sstream>

namespace hostlet::network::testing {

// The Error `action` throws; a test failure when it throws none.
template <class Action>
Error ErrorOf(Action action) {
  try {
    action();
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "no error thrown";
  return Error(0, "no error thrown");
}

// The spec's reference plugins, as Debian installs them.
inline const std::filesystem::path kReferencePlugins = "/usr/lib/cni";

class ManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& dir : {config_dir, bin, cache}) std::filesystem::create_directories(dir);
  }

  std::unique_ptr<NetworkManager> Manager() {
    ManagerOptions options;
    options.config_dir = config_dir;
    options.bin_dirs = bin_dirs;
    options.cache_dir = cache;
    options.modules = [this](const std::string& type) -> std::shared_ptr<hostlet::Channel> {
      auto found = modules.find(type);
      return found == modules.end() ? nullptr : found->second;
    };
    options.exec = limits;
    return std::make_unique<NetworkManager>(std::move(options));
  }

  // Makes the module at `file` (a network module) the plugin of type `type`.
  void UseModule(const std::string& type, const char* file) {
    modules[type] = plugins::Load(file, HOSTLET_KIND_NETWORK)->Create("{}");
  }

  void WriteConfig(const std::string& name, const nlohmann::json& config) {
    WriteFile(config_dir / name, config.dump(2));
  }

  // What echo-net recorded, one object per call, oldest first.
  std::vector<nlohmann::json> Records() const {
    std::vector<nlohmann::json> records;
    std::istringstream lines(ReadFile(record));
    for (std::string line; std::getline(lines, line);)
      records.push_back(nlohmann::json::parse(line));
    return records;
  }
  std::vector<nlohmann::json> Records(const std::string& command) const {
    std::vector<nlohmann::json> matching;
    for (auto& entry : Records()) {
      if (entry["command"] == command) matching.push_back(entry);
    }
    return matching;
  }

  // An echo-net element of a chain that records its calls.
  nlohmann::json EchoNet(const std::string& marker) const {
    return {{"type", "echo-net"}, {"marker", marker}, {"record", record.string()}};
  }

  static Attachment Pod(const std::string& container_id,
                        const std::string& netns = "/run/netns/hostlet-test-none") {
    Attachment attachment;
    attachment.container_id = container_id;
    attachment.netns = netns;
    attachment.if_name = "eth0";
    return attachment;
  }

  TempDir root;
  const std::filesystem::path config_dir = root.path() / "net.d";
  const std::filesystem::path bin = root.path() / "bin";
  const std::filesystem::path cache = root.path() / "cache";
  const std::filesystem::path record = root.path() / "echo-net.calls";
  std::vector<std::filesystem::path> bin_dirs = {bin};
  std::map<std::string, std::shared_ptr<hostlet::Channel>> modules;
  ProcessLimits limits;
};

}  // namespace hostlet::network::testing
