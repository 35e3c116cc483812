#include "kubelet/server/agent_server.h"

#include "controlplane/apiserver/api_status.h"
#include "controlplane/apiserver/tls_material.h"
#include "kubelet/server/container_logs.h"
#include "kubelet/server/stats.h"

#include <iostream>
#include <stdexcept>

namespace hostlet::server {
namespace {

using apiserver::ApiException;
using apiserver::PathParams;
using apiserver::Request;
using apiserver::Response;
using nlohmann::json;

apiserver::ServingCertificate ServingCertificateFor(const ServerOptions& options) {
  if (!options.tls_cert_file.empty()) {
    return apiserver::LoadServingCertificate(options.tls_cert_file, options.tls_private_key_file);
  }
  std::vector<std::string> names{options.node_name, "localhost", "127.0.0.1"};
  names.insert(names.end(), options.node_ips.begin(), options.node_ips.end());
  return apiserver::EnsureSelfSignedCertificate(options.pki_dir / "kubelet.crt",
                                                options.pki_dir / "kubelet.key",
                                                options.node_name + "@hostlet", names);
}

boost::asio::ip::tcp::endpoint Endpoint(const ServerOptions& options) {
  boost::system::error_code error;
  auto address = boost::asio::ip::make_address(options.address, error);
  if (error) throw std::runtime_error("address: not an IP address: " + options.address);
  if (options.port < 0 || options.port > 65535) {
    throw std::runtime_error("port: must be between 0 and 65535");
  }
  return {address, static_cast<unsigned short>(options.port)};
}

Response Text(std::string body) {
  Response response;
  response.content_type = "text/plain; charset=utf-8";
  response.body = std::move(body);
  return response;
}

}  // namespace

AgentServer::AgentServer(const ServerOptions& options, NodeView node) : node_(std::move(node)) {
  const bool can_authenticate = !options.client_ca_pem.empty();
  router_.SetGate([can_authenticate](const Request& request) {
    if (request.path == "/healthz") return;
    // Without a CA nobody can be told apart from anybody, so nothing but health is served.
    if (!can_authenticate || request.client_common_name.empty()) {
      throw ApiException(apiserver::Unauthorized());
    }
  });
  router_.Add("GET", "/healthz", [](const Request&, const PathParams&) { return Text("ok"); });
  router_.Add("GET", "/pods", [this](const Request&, const PathParams&) {
    json items = json::array();
    for (auto& pod : node_.pods()) items.push_back(std::move(pod));
    Response response;
    response.body = json{{"kind", "PodList"},
                         {"apiVersion", "v1"},
                         {"metadata", json::object()},
                         {"items", std::move(items)}}
                        .dump();
    return response;
  });
  router_.Add("GET", "/containerLogs/{namespace}/{pod}/{container}",
              [this](const Request& request, const PathParams& params) {
                return ServeContainerLogs(node_, request, params);
              });
  router_.Add("GET", "/metrics/cadvisor", [this](const Request&, const PathParams&) {
    Response response = Text(CadvisorMetrics(*node_.runtime));
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return response;
  });
  router_.Add("GET", "/metrics/resource", [this](const Request&, const PathParams&) {
    Response response = Text(ResourceMetrics(*node_.runtime));
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return response;
  });
  router_.Add("GET", "/stats/summary",
              [this, node_name = options.node_name](const Request&, const PathParams&) {
                Response response;
                response.body = StatsSummary(*node_.runtime, node_name).dump();
                return response;
              });
  for (const auto& [path, make] : {std::pair{"/metrics", options.metrics},
                                   std::pair{"/metrics/probes", options.probe_metrics}}) {
    if (!make) continue;
    router_.Add("GET", path, [make](const Request&, const PathParams&) {
      Response response = Text(make());
      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return response;
    });
  }
  auto certificate = ServingCertificateFor(options);
  try {
    http_ = std::make_unique<apiserver::HttpServer>(router_, Endpoint(options), &certificate,
                                                    options.client_ca_pem);
  } catch (const std::exception& failure) {
    // Asio reports a busy address as boost::system::system_error, OpenSSL a bad key as one too.
    throw std::runtime_error("cannot serve on " + options.address + ":" +
                             std::to_string(options.port) + ": " + failure.what());
  }
  if (!can_authenticate) {
    std::cerr << "hostlet: the kubeconfig names no CA, so the server at " << options.address
              << " answers /healthz only\n";
  }
  // Two threads: a long log read never holds up a health check.
  thread_ = std::thread([this] { http_->Run(2); });
}

AgentServer::~AgentServer() {
  http_->Stop();
  thread_.join();
}

}  // namespace hostlet::server
