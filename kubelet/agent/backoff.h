// Restart back-off of one container, as the upstream kubelet's: the first restart after an exit
// is immediate, then each one waits twice as long as the one before, from 10 s up to 5 minutes.
// A container that ran for 10 minutes before exiting starts over.
#pragma once

#include <chrono>
#include <string>

namespace hostlet::agent {

class Backoff {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kInitial{10};
  static constexpr std::chrono::seconds kMaximum{300};

  // Called with the exited instance's id and how long it ran; returns when it may restart.
  // Asking again about the same instance returns the same time.
  Clock::time_point RestartAt(const std::string& instance_id, std::chrono::seconds ran,
                              Clock::time_point now);
  std::chrono::seconds current_delay() const { return current_; }

 private:
  std::string instance_;
  Clock::time_point until_{};
  std::chrono::seconds current_{0};
  std::chrono::seconds next_{0};
};

}  // namespace hostlet::agent
