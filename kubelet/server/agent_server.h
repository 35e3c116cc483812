// The node agent's HTTPS server, on the kubelet's port (10250 by default): /healthz for anyone,
// and for clients with a certificate signed by the cluster CA (the apiserver's kubelet-client
// certificate, as the upstream kubelet's --client-ca-file admits) /pods, /containerLogs,
// /metrics, /metrics/cadvisor, /metrics/resource, /metrics/probes and /stats/summary. Its serving
// certificate is the configured one, else a self-signed one made once under the agent's root dir,
// which the apiserver does not check (as upstream without --kubelet-certificate-authority).
#pragma once

#include "controlplane/apiserver/http_server.h"
#include "controlplane/apiserver/router.h"
#include "kubelet/server/node_view.h"

#include <boost/asio/ip/tcp.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace hostlet::server {

struct ServerOptions {
  std::string address = "127.0.0.1";
  int port = 10250;  // 0: pick a free one (tests)
  // Both or neither; neither: a self-signed certificate in `pki_dir`.
  std::filesystem::path tls_cert_file, tls_private_key_file;
  std::filesystem::path pki_dir;
  std::string node_name;
  std::vector<std::string> node_ips;  // the self-signed certificate's names, with node_name
  // The CA whose client certificates are admitted; empty: only /healthz is served.
  std::string client_ca_pem;
  // The text of /metrics, made at each scrape; null: no /metrics.
  std::function<std::string()> metrics;
  // The text of /metrics/probes (prober_probe_total, ...); null: no /metrics/probes.
  std::function<std::string()> probe_metrics;
};

class AgentServer {
 public:
  // Binds and starts serving on threads of its own. Throws std::runtime_error naming what
  // failed (the address in use, an unreadable certificate).
  AgentServer(const ServerOptions& options, NodeView node);
  // Stops serving; requests in flight are cut off.
  ~AgentServer();
  AgentServer(const AgentServer&) = delete;
  AgentServer& operator=(const AgentServer&) = delete;

  boost::asio::ip::tcp::endpoint local_endpoint() const { return http_->local_endpoint(); }

 private:
  NodeView node_;
  apiserver::Router router_;
  std::unique_ptr<apiserver::HttpServer> http_;
  std::thread thread_;
};

}  // namespace hostlet::server
