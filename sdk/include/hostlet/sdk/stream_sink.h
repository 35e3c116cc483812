// The caller's end of a server-streaming call: each message goes to a callback, and Cancel()
// (from any thread) ends the stream.
#pragma once

#include <hostlet/sdk/service.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <vector>

namespace hostlet {

template <class Message>
class StreamSink final : public Writer<Message> {
 public:
  // `on_message` returns false to end the stream.
  explicit StreamSink(std::function<bool(const Message&)> on_message)
      : on_message_(std::move(on_message)) {}

  bool Write(const Message& message) override {
    if (IsCancelled()) return false;
    if (!on_message_(message)) {
      Cancel();
      return false;
    }
    return true;
  }
  bool IsCancelled() const override { return cancelled_.load(); }
  void OnCancel(std::function<void()> wake) override {
    {
      std::lock_guard lock(mutex_);
      if (!cancelled_.load()) {
        wakes_.push_back(std::move(wake));
        return;
      }
    }
    wake();
  }
  void Cancel() {
    std::vector<std::function<void()>> wakes;
    {
      std::lock_guard lock(mutex_);
      if (cancelled_.exchange(true)) return;
      wakes.swap(wakes_);
    }
    for (auto& wake : wakes) wake();
  }

 private:
  std::function<bool(const Message&)> on_message_;
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::vector<std::function<void()>> wakes_;
};

}  // namespace hostlet
