#include "kubelet/apiclient/connection_pool.h"

namespace hostlet::apiclient::detail {

std::unique_ptr<Connection> ConnectionPool::Take() {
  while (true) {
    std::unique_ptr<Connection> connection;
    {
      std::lock_guard lock(mutex_);
      if (idle_.empty()) return nullptr;
      connection = std::move(idle_.back());
      idle_.pop_back();
    }
    // Checked outside the lock; one the server closed is dropped (closing it) and the next tried.
    if (connection->Reusable()) return connection;
  }
}

void ConnectionPool::Put(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < kMaxIdle) idle_.push_back(std::move(connection));
}

}  // namespace hostlet::apiclient::detail
