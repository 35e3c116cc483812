#include "kubelet/plugins/plugin_directory.h"

#include <algorithm>
#include <set>

namespace hostlet::plugins {

ScanResult ScanDirectories(const std::vector<std::filesystem::path>& directories) {
  ScanResult result;
  std::set<std::string> names;
  for (const std::filesystem::path& directory : directories) {
    std::error_code error;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
      if (entry.path().extension() == ".so" && !entry.is_directory()) files.push_back(entry.path());
    }
    if (error) {
      result.refused.push_back({directory, directory.string() + ": cannot read plugin directory: " +
                                               error.message()});
      continue;
    }
    std::sort(files.begin(), files.end());
    for (const std::filesystem::path& file : files) {
      try {
        auto started = std::chrono::steady_clock::now();
        std::shared_ptr<Module> module = Load(file);
        std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
        if (!names.insert(module->name()).second) {
          result.refused.push_back({file, file.string() + ": plugin '" + module->name() +
                                              "' is already provided by another module"});
          continue;
        }
        result.modules.push_back(std::move(module));
        result.load_seconds.push_back(took.count());
      } catch (const std::exception& refusal) {
        result.refused.push_back({file, refusal.what()});
      }
    }
  }
  return result;
}

}  // namespace hostlet::plugins
