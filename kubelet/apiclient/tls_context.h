// The TLS settings a kubeconfig asks for, built once and shared by every connection of a client
// (an SSL_CTX may make SSL objects from many threads).
#pragma once

#include "kubelet/apiclient/kubeconfig.h"

#include <boost/asio/ssl/context.hpp>

#include <memory>

namespace hostlet::apiclient::detail {

// Verifies the server against the kubeconfig's CA, or the system's trust store when it has none,
// unless insecure_skip_tls_verify; presents the client certificate when there is one. Throws
// std::runtime_error naming the PEM that OpenSSL refused.
std::unique_ptr<boost::asio::ssl::context> MakeTlsContext(const Kubeconfig& config);

}  // namespace hostlet::apiclient::detail
