#pragma once

#include <string>

namespace hostlet::oci::helper {

struct MonitorOptions {
  std::string runtime;       // runc or crun
  std::string runtime_root;  // --root of the runtime's state
  std::string id;
  std::string bundle;
  std::string log_path;     // CRI-format log
  std::string exit_file;    // written when the container has exited
  std::string memory_cgroup;  // the container's memory cgroup dir, for OOM detection; may be ""
};

// `monitor ...`: detaches from the caller, creates and starts the container with the OCI runtime
// (`run --detach`), reports "ok <pid>" or "error <message>" on file descriptor 3, then owns the
// container's stdout and stderr (written to the log in CRI format; SIGUSR1 reopens it) until the
// container exits, and records its exit in the exit file. The caller reaps only the short-lived
// first child.
int Monitor(const MonitorOptions& options);

}  // namespace hostlet::oci::helper
