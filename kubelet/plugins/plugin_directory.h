// Scanning the configured plugin directories: every *.so is tried; a refused file is reported
// and skipped, never fatal.
#pragma once

#include "kubelet/plugins/loader.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace hostlet::plugins {

struct Refusal {
  std::filesystem::path file;
  std::string reason;  // names the file, what it is and what was expected
};

struct ScanResult {
  std::vector<std::shared_ptr<Module>> modules;  // in file-name order within each directory
  std::vector<double> load_seconds;              // how long loading modules[i] took
  std::vector<Refusal> refused;
};

// Loads the modules in `directories`, in order; a plugin name already loaded is refused.
ScanResult ScanDirectories(const std::vector<std::filesystem::path>& directories);

}  // namespace hostlet::plugins
