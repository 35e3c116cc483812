#include "kubelet/apiclient/tls_context.h"

#include <stdexcept>

namespace hostlet::apiclient::detail {

namespace ssl = boost::asio::ssl;

std::unique_ptr<ssl::context> MakeTlsContext(const Kubeconfig& config) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  auto check = [](const boost::system::error_code& error, const char* what) {
    if (error) throw std::runtime_error(std::string(what) + ": " + error.message());
  };
  boost::system::error_code error;
  // TLS 1.2 is the oldest version the Kubernetes apiserver accepts.
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  if (config.insecure_skip_tls_verify) {
    context->set_verify_mode(ssl::verify_none);
  } else {
    context->set_verify_mode(ssl::verify_peer);
    if (config.certificate_authority_pem.empty()) {
      context->set_default_verify_paths(error);
      check(error, "the system's trusted certificates");
    } else {
      context->add_certificate_authority(boost::asio::buffer(config.certificate_authority_pem),
                                         error);
      check(error, "certificate authority");
    }
  }
  if (!config.client_certificate_pem.empty()) {
    context->use_certificate_chain(boost::asio::buffer(config.client_certificate_pem), error);
    check(error, "client certificate");
    context->use_private_key(boost::asio::buffer(config.client_key_pem), ssl::context::pem, error);
    check(error, "client key");
    if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
      throw std::runtime_error("client key: does not match the client certificate");
    }
  }
  return context;
}

}  // namespace hostlet::apiclient::detail
