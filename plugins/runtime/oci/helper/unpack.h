#pragma once

#include <string>

namespace hostlet::oci::helper {

// Applies the layer read from standard input to `rootfs`; returns the exit code, the reason on
// standard error.
int Unpack(const std::string& rootfs);

}  // namespace hostlet::oci::helper
