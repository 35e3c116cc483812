#include "kubelet/agent/backoff.h"

#include <algorithm>

namespace hostlet::agent {

Backoff::Clock::time_point Backoff::RestartAt(const std::string& instance_id,
                                              std::chrono::seconds ran, Clock::time_point now) {
  if (instance_id == instance_) return until_;
  instance_ = instance_id;
  if (ran >= 2 * kMaximum) next_ = std::chrono::seconds(0);
  current_ = next_;
  until_ = now + current_;
  next_ = next_.count() == 0 ? kInitial : std::min(next_ * 2, kMaximum);
  return until_;
}

}  // namespace hostlet::agent
