#include <hostlet/sdk/service.h>

namespace hostlet::detail {

std::string MalformedMessage(const char* what, const char* type, const char* path) {
  return std::string("malformed ") + what + " (" + type + ") for " + path;
}

}  // namespace hostlet::detail
