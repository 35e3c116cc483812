// What every request of one ApiClient shares: where the server is, how to reach it, who we are,
// and the idle connections.
#pragma once

#include "kubelet/apiclient/connection.h"
#include "kubelet/apiclient/connection_pool.h"
#include "kubelet/apiclient/kubeconfig.h"
#include "kubelet/apiclient/server_address.h"

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/verb.hpp>

#include <memory>
#include <string>

namespace hostlet::apiclient::detail {

struct Transport {
  Transport(const Kubeconfig& config, std::string user_agent);

  std::unique_ptr<Connection> NewConnection() {
    return std::make_unique<Connection>(address, tls.get());
  }
  // A request for `path` (below the server URL's path) with our headers; a body only when given.
  Request MakeRequest(boost::beast::http::verb verb, const std::string& path,
                      const std::string& body, const std::string& content_type) const;

  const ServerAddress address;
  const std::unique_ptr<boost::asio::ssl::context> tls;  // null for plain http
  const std::string authorization;                       // "Bearer <token>", or "" for none
  const std::string user_agent;
  ConnectionPool pool;  // last: its connections refer to the members above
};

}  // namespace hostlet::apiclient::detail
