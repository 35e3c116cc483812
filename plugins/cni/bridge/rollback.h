// Undo steps for a command that fails half way: run in reverse order unless the command
// completes, so a failed ADD leaves no interface, address, reservation or rule behind.
#pragma once

#include <functional>
#include <utility>
#include <vector>

namespace hostlet::bridge {

class Rollback {
 public:
  Rollback() = default;
  Rollback(const Rollback&) = delete;
  Rollback& operator=(const Rollback&) = delete;
  ~Rollback() {
    if (done_) return;
    for (auto undo = steps_.rbegin(); undo != steps_.rend(); ++undo) {
      // The command's own error is what the caller needs to see; an undo step that fails too
      // must not replace it.
      try {
        (*undo)();
      } catch (...) {
      }
    }
  }

  void Push(std::function<void()> undo) { steps_.push_back(std::move(undo)); }
  void Commit() { done_ = true; }

 private:
  std::vector<std::function<void()>> steps_;
  bool done_ = false;
};

}  // namespace hostlet::bridge
