// hostlet-cni: runs a hostlet network module as a standard CNI plugin binary, so containerd,
// CRI-O or any CNI runtime can use it. The module is HOSTLET_CNI_MODULE if set; otherwise
// "<name>.so" beside the name this binary was invoked by (a symlink named after the CNI type).
// The instance is configured with HOSTLET_CNI_CONFIG (JSON), default {}.
#include "kubelet/plugins/loader.h"

#include <hostlet/sdk/cni_exec.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

int main(int argc, char* argv[]) {
  (void)argc;
  std::filesystem::path module_path;
  if (const char* explicit_path = std::getenv("HOSTLET_CNI_MODULE"); explicit_path && *explicit_path) {
    module_path = explicit_path;
  } else {
    std::filesystem::path self(argv[0]);
    module_path = self.parent_path() / (self.filename().string() + ".so");
  }
  const char* config = std::getenv("HOSTLET_CNI_CONFIG");
  try {
    auto module = hostlet::plugins::Load(module_path, HOSTLET_KIND_NETWORK);
    auto channel = module->Create(config != nullptr ? config : "{}");
    return hostlet::RunCniExec(*channel, [](const char* name) { return std::getenv(name); },
                               std::cin, std::cout);
  } catch (const std::exception& error) {
    // The spec's code 50: the plugin is not available.
    std::cout << nlohmann::json{{"cniVersion", "1.1.0"}, {"code", 50}, {"msg", error.what()}}.dump()
              << "\n";
    return 1;
  }
}
