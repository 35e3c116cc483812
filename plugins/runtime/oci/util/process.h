// Running a program to completion with its output captured and a time limit.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hostlet::oci {

struct ProcessResult {
  int exit_code = -1;  // 128+signal when killed by a signal
  std::string out;
  std::string err;
  bool timed_out = false;
  std::string Describe() const;  // the error output, else "exit code N"
};

// Runs argv[0] (searched on PATH) with stdin from /dev/null. With a timeout, a process still
// running when it expires is killed (SIGKILL, by its PID) and reported as timed out. A program
// that cannot be started gives exit code 127 and the reason as its error output.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                         const std::vector<int>& extra_fds = {});

}  // namespace hostlet::oci
