// Runs a program to completion with a given environment and standard input, collecting its
// output under a deadline and a size limit. The program gets its own process group, so that on
// timeout it is killed together with anything it started, by the group of the PID it was given.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace hostlet::network {

struct ProcessLimits {
  std::chrono::milliseconds timeout{60000};
  size_t max_stdout = 1 << 20;   // beyond this the program is killed
  size_t max_stderr = 64 << 10;  // beyond this stderr is dropped, not fatal
};

struct ProcessOutcome {
  int pid = -1;
  bool timed_out = false;
  bool stdout_overflow = false;
  int exit_code = -1;  // -1 when it did not exit normally
  int signal = 0;      // the signal that ended it, if any
  std::string out;
  std::string err;
};

// Runs `program` (an absolute path) with argv[0] = `program` and exactly `env`. Throws
// std::system_error when it cannot be started.
ProcessOutcome RunProcess(const std::string& program, const std::vector<std::string>& env,
                          std::string_view input, const ProcessLimits& limits);

}  // namespace hostlet::network
