// hostlet-server's client of the node agents' servers (pods/log, nodes/proxy): HTTPS with the
// apiserver's kubelet-client certificate. The agent's serving certificate is not verified, as
// kube-apiserver does not verify it unless given --kubelet-certificate-authority: an agent's
// default certificate is self-signed.
#pragma once

#include "controlplane/apiserver/tls_material.h"

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace hostlet::apiserver {

// One answer being read. Read blocks; Cancel may be called from any other thread.
class NodeResponse {
 public:
  virtual ~NodeResponse() = default;
  virtual int status() const = 0;
  virtual std::string content_type() const = 0;
  // The next piece of the body (possibly empty), or nothing once it has ended. Throws
  // std::runtime_error when the connection fails, times out, or was cancelled.
  virtual std::optional<std::string> Read() = 0;
  virtual void Cancel() = 0;
  // Reads the rest of the body.
  std::string ReadAll();
};

class NodeClient {
 public:
  // Throws std::runtime_error when the certificate or key is unusable.
  explicit NodeClient(const ClientCertificate& certificate);

  // GET https://host:port<target>. Connecting, the TLS handshake and the answer's headers
  // must come within `timeout`; with `stream_body` the body may then take as long as it takes,
  // else it too must come within the timeout. Throws std::runtime_error("Get \"<url>\":
  // <reason>") when no answer comes.
  std::unique_ptr<NodeResponse> Get(const std::string& host, int port, const std::string& target,
                                    std::chrono::seconds timeout, bool stream_body) const;

 private:
  std::shared_ptr<boost::asio::ssl::context> tls_;
};

}  // namespace hostlet::apiserver
