// Whole-file reads and crash-safe writes for the module's records.
#pragma once

#include <filesystem>
#include <string>

namespace hostlet::oci {

// The file's bytes, or "" when it cannot be read.
std::string ReadFile(const std::filesystem::path& file);
// Writes a temporary file beside `file` and renames it over: readers see the old or the new
// bytes, never a mix. Throws std::runtime_error when it cannot.
void WriteAtomically(const std::filesystem::path& file, const std::string& bytes);

}  // namespace hostlet::oci
