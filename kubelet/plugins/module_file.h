// Reading a plugin module's manifest straight from the file, without loading it or running any
// of its code: what `hostlet-plugin inspect` shows and what the loader checks before dlopen.
#pragma once

#include <hostlet/abi.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace hostlet::plugins {

// A file refused as a plugin module; what() names the file, what it is and what was expected.
class ModuleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ModuleManifest {
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  hostlet_kind kind = HOSTLET_KIND_RUNTIME;
  std::string name;
  std::string version;
};

// Throws ModuleError for a file that is not a 64-bit ELF shared object or has no valid
// manifest section.
ModuleManifest ReadManifest(const std::filesystem::path& file);

const char* KindName(uint32_t kind);  // "runtime", "network", ... or "unknown"

}  // namespace hostlet::plugins
