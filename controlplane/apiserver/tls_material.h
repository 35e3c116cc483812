// The certificates hostlet-server serves HTTPS with: a cluster CA made on first start and kept
// under the data dir (clients pin it through the kubeconfig), and a serving certificate signed
// by it, issued afresh at every start so its names always match the addresses served. Also
// the client certificate it presents to node agents, and the node agent's own certificates.
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

struct ClientCertificate {
  std::string cert_pem;
  std::string key_pem;
};

// A client certificate (clientAuth) named `common_name`, signed by the CA of `dir` (made as
// above when absent), kept as `dir`/<stem>.crt and .key and reused while that CA signed it and
// it has not expired. hostlet-server presents one to the node agents it calls.
ClientCertificate EnsureClientCertificate(const std::filesystem::path& dir, const std::string& stem,
                                          const std::string& common_name);

// A self-signed serving certificate for `names`, made once at `cert_path` and `key_path` and
// reused while it is valid: the node agent's when no certificate is configured, as the upstream
// kubelet makes one. ca_pem is left empty (nobody signed it).
ServingCertificate EnsureSelfSignedCertificate(const std::filesystem::path& cert_path,
                                               const std::filesystem::path& key_path,
                                               const std::string& common_name,
                                               const std::vector<std::string>& names);

// A configured certificate and key (PEM files). Throws std::runtime_error naming the file that
// cannot be read or parsed, or when the key is not the certificate's.
ServingCertificate LoadServingCertificate(const std::filesystem::path& cert_path,
                                          const std::filesystem::path& key_path);

}  // namespace hostlet::apiserver
