// Idle keep-alive connections shared by the threads of one ApiClient.
#pragma once

#include "kubelet/apiclient/connection.h"

#include <memory>
#include <mutex>
#include <vector>

namespace hostlet::apiclient::detail {

class ConnectionPool {
 public:
  // The most recently used idle connection the server has not closed, or null.
  std::unique_ptr<Connection> Take();
  // Keeps a connection whose answer left it reusable; beyond the limit it is closed.
  void Put(std::unique_ptr<Connection> connection);

 private:
  // Enough for the agent's concurrent callers; more idle sockets would only cost the server.
  static constexpr size_t kMaxIdle = 32;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace hostlet::apiclient::detail
