// Runs a program to completion with a given environment and stdin, capturing its output: how the
// tests run CNI binaries (CNI_* in the environment, configuration on stdin, result on stdout)
// and tools such as `ip`.
#pragma once

#include <string>
#include <vector>

namespace hostlet::cni_test {

struct ProcessResult {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] a path) with exactly `env`, feeding `input` on stdin.
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const std::string& input = {});

// Runs `argv` with this process's environment; argv[0] is looked up in PATH.
ProcessResult Run(const std::vector<std::string>& argv);

}  // namespace hostlet::cni_test
