// The manifest reader parses files of any origin found in plugin directories: any bytes must
// give a manifest or a ModuleError, never a crash or an unbounded allocation.
#include "kubelet/plugins/module_file.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {
std::string ScratchName() { return "/tmp/hostlet-manifest-fuzz-" + std::to_string(getpid()) + ".so"; }

std::string Scratch() {
  static const bool cleanup_registered = std::atexit([] { std::remove(ScratchName().c_str()); }) == 0;
  (void)cleanup_registered;
  return ScratchName();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream out(Scratch(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    hostlet::plugins::ReadManifest(Scratch());
  } catch (const hostlet::plugins::ModuleError&) {
  }
  return 0;
}

std::vector<std::string> FuzzSeeds() {
  std::vector<std::string> seeds;
  // Small modules, one with a valid manifest, so mutations stay cheap and reach every branch.
  for (const char* file : {HOSTLET_MANIFEST_ONLY, HOSTLET_PLAIN_LIBRARY}) {
    std::ifstream in(file, std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  seeds.push_back("\x7f" "ELF");
  return seeds;
}
