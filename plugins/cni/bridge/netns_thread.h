// Work inside another network namespace without ever moving the calling thread. Each call runs
// on a thread of its own that enters the namespace and then exits: a thread that has called
// setns() is never handed back to anyone, so a failed switch back cannot leave a caller (or a
// pooled thread) in a pod's namespace.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace hostlet::bridge {

// An open handle on a network namespace, e.g. the CNI_NETNS path. Move-only; closes on
// destruction.
class NetnsFile {
 public:
  // nullopt when `path` does not exist (the namespace is gone). Throws std::system_error when it
  // cannot be opened or is not a network namespace.
  static std::optional<NetnsFile> Open(const std::string& path);

  NetnsFile(NetnsFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  NetnsFile& operator=(NetnsFile&& other) noexcept;
  NetnsFile(const NetnsFile&) = delete;
  NetnsFile& operator=(const NetnsFile&) = delete;
  ~NetnsFile();

  int fd() const { return fd_; }
  // A second handle on the same namespace. Throws std::system_error.
  NetnsFile Duplicate() const;

 private:
  explicit NetnsFile(int fd) : fd_(fd) {}
  int fd_;
};

// Moves the calling thread into `netns`; throws std::system_error. Only for a thread of this
// module's own that does nothing else there (RunInNetns's, SocketOpener's).
void EnterNetns(const NetnsFile& netns);

// Runs `work` on a new thread that has entered `netns`, waits for it, and rethrows whatever it
// threw. Throws std::system_error when the thread cannot enter the namespace.
void RunInNetns(const NetnsFile& netns, const std::function<void()>& work);

// The same, returning `work`'s result.
template <class Work>
auto InNetns(const NetnsFile& netns, Work&& work) -> std::invoke_result_t<Work> {
  using Result = std::invoke_result_t<Work>;
  if constexpr (std::is_void_v<Result>) {
    RunInNetns(netns, std::forward<Work>(work));
  } else {
    std::optional<Result> result;
    RunInNetns(netns, [&] { result.emplace(work()); });
    return std::move(*result);
  }
}

}  // namespace hostlet::bridge
