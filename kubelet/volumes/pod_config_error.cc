#include "kubelet/volumes/pod_config_error.h"

#include <utility>

namespace hostlet::agent {

PodConfigError::PodConfigError(std::string reason_text, const std::string& message)
    : std::runtime_error(message), reason(std::move(reason_text)) {}

void ThrowConfigError(const std::string& message) {
  throw PodConfigError(kCreateContainerConfigError, message);
}

}  // namespace hostlet::agent
