#pragma once

#include <string>

namespace hostlet::oci {

// 64 random hex digits, as container and sandbox ids are.
std::string RandomId();

}  // namespace hostlet::oci
