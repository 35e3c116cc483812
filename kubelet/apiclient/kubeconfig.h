// The node agent's view of a kubeconfig: where the apiserver is, how to trust it and who to be.
#pragma once

#include <filesystem>
#include <string>

namespace hostlet::apiclient {

struct Kubeconfig {
  std::string server;  // "https://127.0.0.1:6443" or "http://..."
  // From certificate-authority-data (base64) or the certificate-authority file (relative to the
  // kubeconfig's directory); empty: the system's trust store.
  std::string certificate_authority_pem;
  bool insecure_skip_tls_verify = false;
  std::string token;  // from token or tokenFile
  // From client-certificate(-data) and client-key(-data); both or neither.
  std::string client_certificate_pem, client_key_pem;
};

// Reads the current-context's cluster and user. Throws std::runtime_error("<file>: <what is
// wrong>") naming the field.
Kubeconfig LoadKubeconfig(const std::filesystem::path& file);

}  // namespace hostlet::apiclient
