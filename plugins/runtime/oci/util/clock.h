// Wall-clock time as CRI reports it: nanoseconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstdint>

namespace hostlet::oci {

inline int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace hostlet::oci
