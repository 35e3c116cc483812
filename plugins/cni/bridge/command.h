// Runs a system tool (iptables-restore and friends) to completion, with its input and output
// kept in memory.
#pragma once

#include <string>
#include <vector>

namespace hostlet::bridge {

struct CommandResult {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string out;
  std::string err;
};

// Runs `argv`, writing `input` to its stdin. argv[0] without a '/' is looked for in the sbin and
// bin directories first, then in PATH, since plugins are often run with a sparse PATH. Throws
// CniError when the program cannot be started.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input = {});

}  // namespace hostlet::bridge
