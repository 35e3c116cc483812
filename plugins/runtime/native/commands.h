// hostlet-runtime's commands, each the OCI runtime command line's (runc's) of the same name.
// Each returns the process's exit status and writes its errors to stderr.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace hostlet::native {

struct RunOptions {
  std::filesystem::path bundle = ".";
  std::filesystem::path pid_file;
  bool detach = false;
};

int Run(const std::filesystem::path& root, const std::string& id, const RunOptions& options);
int Exec(const std::filesystem::path& root, const std::string& id,
         const std::vector<std::string>& command);
int State(const std::filesystem::path& root, const std::string& id);
int List(const std::filesystem::path& root, bool quiet);
int Kill(const std::filesystem::path& root, const std::string& id, const std::string& signal,
         bool all);
int Delete(const std::filesystem::path& root, const std::string& id, bool force);
int Update(const std::filesystem::path& root, const std::string& id,
           const std::filesystem::path& resources);

}  // namespace hostlet::native
