// The pod lifecycle event generator: relists the runtime's sandboxes and containers every
// second and wakes the worker of each pod whose containers or sandboxes changed state, so an
// exited container is restarted without waiting for the worker's periodic sync.
#pragma once

#include "kubelet/cri/runtime_client.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace hostlet::agent {

class Pleg {
 public:
  // `relisted`, when set, is told how long each successful relist took (for metrics).
  Pleg(cri::RuntimeClient& runtime, std::function<void(const std::string& pod_uid)> changed,
       std::chrono::milliseconds period = std::chrono::seconds(1),
       std::function<void(double seconds)> relisted = nullptr);
  ~Pleg();
  Pleg(const Pleg&) = delete;
  Pleg& operator=(const Pleg&) = delete;

  // How long the last relist took, and whether the runtime answered.
  std::chrono::microseconds last_relist() const;
  bool healthy() const;

 private:
  void Run();
  void Relist();

  cri::RuntimeClient& runtime_;
  std::function<void(const std::string&)> changed_;
  std::function<void(double)> relisted_;
  std::chrono::milliseconds period_;
  std::map<std::string, std::pair<std::string, int>> seen_;  // id -> (pod uid, state)
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false, healthy_ = false;
  std::chrono::microseconds last_relist_{0};
  std::thread thread_;
};

}  // namespace hostlet::agent
