#include "kubelet/apiclient/api_client.h"

#include <sys/socket.h>

#include <algorithm>

namespace hostlet::apiclient {

void Cancellation::Cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  // Shutting the socket down wakes the reader blocked on it with end-of-file; closing it would
  // not, and would race with the reader's own use of the descriptor.
  for (int socket : sockets_) ::shutdown(socket, SHUT_RDWR);
}

bool Cancellation::cancelled() const {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

bool Cancellation::Register(int socket) {
  std::lock_guard lock(mutex_);
  if (cancelled_) return false;
  sockets_.push_back(socket);
  return true;
}

void Cancellation::Unregister(int socket) {
  std::lock_guard lock(mutex_);
  std::erase(sockets_, socket);
}

}  // namespace hostlet::apiclient
