// One thread that runs the tasks given to it, one at a time in the order given, and is kept for
// the next ones: cheaper than a thread per task, and its callers can tell where their work runs.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>

namespace hostlet::bridge {

class SerialWorker {
 public:
  SerialWorker() = default;
  SerialWorker(const SerialWorker&) = delete;
  SerialWorker& operator=(const SerialWorker&) = delete;
  // Runs what was given already, then stops the thread.
  ~SerialWorker();

  // Queues `task` and returns at once; get() on the result waits for what the task returns or
  // rethrows what it threw. Throws std::system_error when the thread cannot be started. The
  // thread starts with the first task. Thread-safe.
  template <typename Task>
  std::future<std::invoke_result_t<Task&>> Run(Task task) {
    using Value = std::invoke_result_t<Task&>;
    auto packaged = std::make_shared<std::packaged_task<Value()>>(std::move(task));
    std::future<Value> result = packaged->get_future();
    Post([packaged] { (*packaged)(); });
    return result;
  }

 private:
  void Post(std::function<void()> task);
  void Serve();

  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<std::function<void()>> tasks_;
  std::thread thread_;
  bool stopping_ = false;
};

}  // namespace hostlet::bridge
