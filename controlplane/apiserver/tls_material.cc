#include "controlplane/apiserver/tls_material.h"

#include "controlplane/apiserver/kubeconfig.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <boost/asio/ip/address.hpp>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace hostlet::apiserver {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

constexpr long kDay = 24 * 60 * 60;
// The CA outlives many restarts; the serving certificate is reissued at each one.
constexpr long kCaLifetime = 10 * 365 * kDay;
constexpr long kServingLifetime = 365 * kDay;

[[noreturn]] void Fail(const std::string& what) {
  std::string reason;
  while (unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    if (!reason.empty()) reason += "; ";
    reason += text;
  }
  throw std::runtime_error(what + (reason.empty() ? "" : ": " + reason));
}

KeyPtr NewKey() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) Fail("cannot generate an ECDSA P-256 key");
  return key;
}

std::string ToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) Fail("cannot encode a certificate");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string ToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    Fail("cannot encode a private key");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

CertPtr ParseCert(const std::string& pem, const std::filesystem::path& origin) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) Fail(origin.string() + " holds no PEM certificate");
  return cert;
}

KeyPtr ParseKey(const std::string& pem, const std::filesystem::path& origin) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) Fail(origin.string() + " holds no PEM private key");
  return key;
}

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  if (!extension || X509_add_ext(cert, extension.get(), -1) != 1) {
    Fail(std::string("cannot add the certificate extension ") + OBJ_nid2sn(nid) + " = " + value);
  }
}

// A certificate for `key` named `common_name`, not yet signed; issuer is set by the caller.
CertPtr NewCertificate(EVP_PKEY* key, const std::string& common_name, long lifetime) {
  CertPtr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) Fail("cannot create a certificate");
  // Serial numbers are random (RFC 5280 allows up to 20 octets) so reissued certificates
  // never collide.
  BignumPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    Fail("cannot pick a serial number");
  }
  // An hour of slack for clients whose clocks lag the server's.
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60 * 60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), lifetime);
  if (X509_set_pubkey(cert.get(), key) != 1) Fail("cannot set a certificate's key");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  return cert;
}

void Sign(X509* cert, EVP_PKEY* issuer_key) {
  if (X509_sign(cert, issuer_key, EVP_sha256()) == 0) Fail("cannot sign a certificate");
}

std::string SubjectAltNames(const std::vector<std::string>& names) {
  std::string list;
  for (const auto& name : names) {
    boost::system::error_code not_ip;
    boost::asio::ip::make_address(name, not_ip);
    if (!list.empty()) list += ",";
    list += (not_ip ? "DNS:" : "IP:") + name;
  }
  return list;
}

}  // namespace

namespace {

struct Authority {
  CertPtr cert;
  KeyPtr key;
};

Authority EnsureCa(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
  auto ca_cert_path = dir / "ca.crt";
  auto ca_key_path = dir / "ca.key";

  CertPtr ca;
  KeyPtr ca_key;
  if (std::filesystem::exists(ca_cert_path)) {
    ca = ParseCert(ReadWholeFile(ca_cert_path), ca_cert_path);
    ca_key = ParseKey(ReadWholeFile(ca_key_path), ca_key_path);
    if (X509_check_private_key(ca.get(), ca_key.get()) != 1) {
      Fail(ca_key_path.string() + " is not the key of " + ca_cert_path.string());
    }
  } else {
    ca_key = NewKey();
    ca = NewCertificate(ca_key.get(), "hostlet-ca", kCaLifetime);
    X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get()));
    AddExtension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(ca.get(), ca.get(), NID_key_usage,
                 "critical,keyCertSign,cRLSign,digitalSignature");
    AddExtension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
    Sign(ca.get(), ca_key.get());
    // The key first: a CA certificate without its key would block every later start.
    WriteFileAtomically(ca_key_path, ToPem(ca_key.get()));
    WriteFileAtomically(ca_cert_path, ToPem(ca.get()));
  }
  return {std::move(ca), std::move(ca_key)};
}

// Whether `cert_path` and `key_path` hold a pair that is still usable: the key matches, the
// certificate has not expired and, when `issuer` is given, it signed the certificate.
bool UsablePair(const std::filesystem::path& cert_path, const std::filesystem::path& key_path,
                EVP_PKEY* issuer_key) {
  if (!std::filesystem::exists(cert_path) || !std::filesystem::exists(key_path)) return false;
  CertPtr cert = ParseCert(ReadWholeFile(cert_path), cert_path);
  KeyPtr key = ParseKey(ReadWholeFile(key_path), key_path);
  if (X509_check_private_key(cert.get(), key.get()) != 1) return false;
  if (X509_cmp_current_time(X509_get0_notAfter(cert.get())) <= 0) return false;
  return issuer_key == nullptr || X509_verify(cert.get(), issuer_key) == 1;
}

}  // namespace

ServingCertificate EnsureServingCertificate(const std::filesystem::path& dir,
                                            const std::vector<std::string>& names) {
  auto [ca, ca_key] = EnsureCa(dir);

  KeyPtr key = NewKey();
  CertPtr cert = NewCertificate(key.get(), "hostlet-apiserver", kServingLifetime);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.get()));
  AddExtension(cert.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(cert.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
  AddExtension(cert.get(), ca.get(), NID_ext_key_usage, "serverAuth");
  AddExtension(cert.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
  if (!names.empty()) {
    AddExtension(cert.get(), ca.get(), NID_subject_alt_name, SubjectAltNames(names));
  }
  Sign(cert.get(), ca_key.get());

  ServingCertificate result{ToPem(ca.get()), ToPem(cert.get()), ToPem(key.get())};
  WriteFileAtomically(dir / "apiserver.key", result.key_pem);
  WriteFileAtomically(dir / "apiserver.crt", result.cert_pem);
  return result;
}

ClientCertificate EnsureClientCertificate(const std::filesystem::path& dir, const std::string& stem,
                                          const std::string& common_name) {
  auto [ca, ca_key] = EnsureCa(dir);
  auto cert_path = dir / (stem + ".crt");
  auto key_path = dir / (stem + ".key");
  if (UsablePair(cert_path, key_path, ca_key.get())) {
    return {ReadWholeFile(cert_path), ReadWholeFile(key_path)};
  }
  KeyPtr key = NewKey();
  CertPtr cert = NewCertificate(key.get(), common_name, kServingLifetime);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.get()));
  AddExtension(cert.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(cert.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
  AddExtension(cert.get(), ca.get(), NID_ext_key_usage, "clientAuth");
  AddExtension(cert.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
  Sign(cert.get(), ca_key.get());
  ClientCertificate result{ToPem(cert.get()), ToPem(key.get())};
  WriteFileAtomically(key_path, result.key_pem);
  WriteFileAtomically(cert_path, result.cert_pem);
  return result;
}

ServingCertificate EnsureSelfSignedCertificate(const std::filesystem::path& cert_path,
                                               const std::filesystem::path& key_path,
                                               const std::string& common_name,
                                               const std::vector<std::string>& names) {
  if (!UsablePair(cert_path, key_path, nullptr)) {
    KeyPtr key = NewKey();
    CertPtr cert = NewCertificate(key.get(), common_name, kServingLifetime);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
    AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(cert.get(), cert.get(), NID_key_usage, "critical,digitalSignature");
    AddExtension(cert.get(), cert.get(), NID_ext_key_usage, "serverAuth");
    if (!names.empty()) {
      AddExtension(cert.get(), cert.get(), NID_subject_alt_name, SubjectAltNames(names));
    }
    Sign(cert.get(), key.get());
    std::filesystem::create_directories(cert_path.parent_path());
    std::filesystem::create_directories(key_path.parent_path());
    WriteFileAtomically(key_path, ToPem(key.get()));
    WriteFileAtomically(cert_path, ToPem(cert.get()));
  }
  return LoadServingCertificate(cert_path, key_path);
}

ServingCertificate LoadServingCertificate(const std::filesystem::path& cert_path,
                                          const std::filesystem::path& key_path) {
  std::string cert_pem = ReadWholeFile(cert_path);
  std::string key_pem = ReadWholeFile(key_path);
  CertPtr cert = ParseCert(cert_pem, cert_path);
  KeyPtr key = ParseKey(key_pem, key_path);
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    Fail(key_path.string() + " is not the key of " + cert_path.string());
  }
  return {"", cert_pem, key_pem};
}

}  // namespace hostlet::apiserver
