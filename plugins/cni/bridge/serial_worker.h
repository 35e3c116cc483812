// One thread that runs the tasks given to it, one at a time in the order given, and is kept for
// the next ones: cheaper than a thread per task, and its callers can tell where their work runs.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
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
  // thread starts with the first task. What the task holds is destroyed on the worker's thread
  // once it has run, not with the result. Thread-safe.
  template <typename Task>
  std::future<std::invoke_result_t<Task&>> Run(Task task) {
    using Value = std::invoke_result_t<Task&>;
    struct Job {
      std::promise<Value> promise;
      std::optional<Task> task;
    };
    auto job = std::make_shared<Job>();
    job->task.emplace(std::move(task));
    std::future<Value> result = job->promise.get_future();
    // Shared, since a std::function must be copyable and a task need not be.
    Post([job] {
      try {
        if constexpr (std::is_void_v<Value>) {
          (*job->task)();
          job->promise.set_value();
        } else {
          job->promise.set_value((*job->task)());
        }
      } catch (...) {
        job->promise.set_exception(std::current_exception());
      }
      job->task.reset();
    });
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
