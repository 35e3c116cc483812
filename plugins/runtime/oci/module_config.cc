#include "plugins/runtime/oci/module_config.h"

#include <dlfcn.h>

#include <stdexcept>

namespace hostlet::oci {
namespace {

std::filesystem::path ThisModuleDir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&ThisModuleDir), &info) == 0 || info.dli_fname == nullptr) return {};
  return std::filesystem::path(info.dli_fname).parent_path();
}

template <class T>
T Field(const nlohmann::json& json, const char* key, T fallback) {
  auto found = json.find(key);
  if (found == json.end() || found->is_null()) return fallback;
  try {
    return found->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw std::invalid_argument(std::string("runtime module config: field \"") + key + "\" has the wrong type");
  }
}

}  // namespace

ModuleConfig ModuleConfig::FromJson(const nlohmann::json& json) {
  ModuleConfig config;
  config.root = Field<std::string>(json, "root", config.root);
  config.state = Field<std::string>(json, "state", config.state);
  config.runtime = Field<std::string>(json, "runtime", config.runtime);
  config.cgroup_parent = Field<std::string>(json, "cgroupParent", config.cgroup_parent);
  if (config.cgroup_parent.size() < 2 || config.cgroup_parent.front() != '/' || config.cgroup_parent.back() == '/' ||
      config.cgroup_parent.find("..") != std::string::npos) {
    throw std::invalid_argument("runtime module config: field \"cgroupParent\" must be an absolute cgroup path "
                                "below the root, like /hostlet; got \"" + config.cgroup_parent + "\"");
  }
  config.helper = Field<std::string>(json, "helper", (ThisModuleDir() / "hostlet-oci-helper").string());
  config.unpacker = Field<std::string>(json, "unpacker", (ThisModuleDir() / "hostlet-oci-unpack").string());
  for (const auto& dir : Field<std::vector<std::string>>(json, "importDirs", {})) config.import_dirs.push_back(dir);
  config.insecure_registries = Field<std::vector<std::string>>(json, "insecureRegistries", {});
  config.registry_ca_files = Field<std::vector<std::string>>(json, "registryCAFiles", {});
  if (config.root.empty() || config.state.empty() || config.runtime.empty()) {
    throw std::invalid_argument("runtime module config: root, state and runtime must not be empty");
  }
  return config;
}

}  // namespace hostlet::oci
