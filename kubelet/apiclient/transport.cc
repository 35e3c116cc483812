#include "kubelet/apiclient/transport.h"

#include "kubelet/apiclient/tls_context.h"

#include <boost/beast/http/field.hpp>

namespace hostlet::apiclient::detail {

namespace http = boost::beast::http;

Transport::Transport(const Kubeconfig& config, std::string user_agent)
    : address(ParseServerAddress(config.server)),
      tls(address.tls ? MakeTlsContext(config) : nullptr),
      authorization(config.token.empty() ? "" : "Bearer " + config.token),
      user_agent(std::move(user_agent)) {}

Request Transport::MakeRequest(http::verb verb, const std::string& path, const std::string& body,
                               const std::string& content_type) const {
  Request request{verb, address.base_path + path, 11};
  request.set(http::field::host, address.host_header);
  request.set(http::field::user_agent, user_agent);
  request.set(http::field::accept, "application/json");
  if (!authorization.empty()) request.set(http::field::authorization, authorization);
  if (!body.empty()) {
    request.set(http::field::content_type, content_type);
    request.body() = body;
  }
  request.keep_alive(true);
  request.prepare_payload();
  return request;
}

}  // namespace hostlet::apiclient::detail
