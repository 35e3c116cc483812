// The certificates hostlet-server serves HTTPS with: a cluster CA made on first start and kept
// under the data dir (clients pin it through the kubeconfig), and a serving certificate signed
// by it, issued afresh at every start so its names always match the addresses served.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace hostlet::apiserver {

struct ServingCertificate {
  std::string ca_pem;    // the CA certificate, for kubeconfigs
  std::string cert_pem;  // the serving certificate followed by nothing else (the CA is pinned)
  std::string key_pem;   // the serving certificate's private key
};

// Loads `dir`/ca.crt and ca.key, creating both (and `dir`, mode 0700) when ca.crt is absent,
// then issues a serving certificate for `names` — IP addresses become IP SANs, anything else
// DNS SANs — written to `dir`/apiserver.crt and apiserver.key for other clients to inspect.
// Keys are ECDSA P-256. Throws std::runtime_error naming the file and OpenSSL's reason.
ServingCertificate EnsureServingCertificate(const std::filesystem::path& dir,
                                            const std::vector<std::string>& names);

}  // namespace hostlet::apiserver
