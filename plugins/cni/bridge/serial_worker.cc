#include "plugins/cni/bridge/serial_worker.h"

namespace hostlet::bridge {

SerialWorker::~SerialWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SerialWorker::Post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
    if (!thread_.joinable()) {
      try {
        thread_ = std::thread(&SerialWorker::Serve, this);
      } catch (...) {
        tasks_.pop_back();  // nobody would ever run it
        throw;
      }
    }
  }
  queued_.notify_one();
}

void SerialWorker::Serve() {
  std::unique_lock lock(mutex_);
  for (;;) {
    queued_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
    if (tasks_.empty()) return;  // stopping, with nothing left to run
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    // A Run job: what it throws goes to its future. It is destroyed before the lock is taken
    // again, in case that queues another task.
    task();
    task = nullptr;
    lock.lock();
  }
}

}  // namespace hostlet::bridge
