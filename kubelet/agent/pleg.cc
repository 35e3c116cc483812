#include "kubelet/agent/pleg.h"

#include "kubelet/agent/runtime_state.h"

#include <iostream>
#include <set>

namespace hostlet::agent {

namespace cri_api = runtime::v1;

Pleg::Pleg(cri::RuntimeClient& runtime, std::function<void(const std::string&)> changed,
           std::chrono::milliseconds period, std::function<void(double)> relisted)
    : runtime_(runtime),
      changed_(std::move(changed)),
      relisted_(std::move(relisted)),
      period_(period),
      thread_([this] { Run(); }) {}

Pleg::~Pleg() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::chrono::microseconds Pleg::last_relist() const {
  std::lock_guard lock(mutex_);
  return last_relist_;
}

bool Pleg::healthy() const {
  std::lock_guard lock(mutex_);
  return healthy_;
}

void Pleg::Relist() {
  auto started = std::chrono::steady_clock::now();
  cri_api::ListPodSandboxResponse sandboxes;
  Check(runtime_.runtime.ListPodSandbox({}, &sandboxes), "ListPodSandbox");
  cri_api::ListContainersResponse containers;
  Check(runtime_.runtime.ListContainers({}, &containers), "ListContainers");
  std::map<std::string, std::pair<std::string, int>> now;
  for (const auto& sandbox : sandboxes.items()) {
    auto uid = sandbox.labels().find(kPodUidLabel);
    if (uid == sandbox.labels().end()) continue;
    now["sandbox/" + sandbox.id()] = {uid->second, sandbox.state()};
  }
  for (const auto& container : containers.containers()) {
    auto uid = container.labels().find(kPodUidLabel);
    if (uid == container.labels().end()) continue;
    now["container/" + container.id()] = {uid->second, container.state()};
  }
  std::set<std::string> changed;
  for (const auto& [id, entry] : now) {
    auto before = seen_.find(id);
    if (before == seen_.end() || before->second.second != entry.second) changed.insert(entry.first);
  }
  for (const auto& [id, entry] : seen_) {
    if (now.count(id) == 0) changed.insert(entry.first);
  }
  seen_ = std::move(now);
  for (const auto& uid : changed) changed_(uid);
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  if (relisted_) relisted_(took.count());
  std::lock_guard lock(mutex_);
  last_relist_ = std::chrono::duration_cast<std::chrono::microseconds>(took);
  healthy_ = true;
}

void Pleg::Run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      Relist();
    } catch (const std::exception& failure) {
      std::cerr << "hostlet: relisting the runtime: " << failure.what() << "\n";
      std::lock_guard failed(mutex_);
      healthy_ = false;
    }
    lock.lock();
    wake_.wait_for(lock, period_, [this] { return stopping_; });
  }
}

}  // namespace hostlet::agent
