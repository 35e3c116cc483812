// Who may talk to hostlet-server and how: HTTPS with a CA generated on first start and kept,
// bearer tokens from token files, the anonymous health checks, and plain HTTP only on request.
#include "controlplane/apiserver/tls_material.h"
#include "controlplane/apiserver/token_auth.h"
#include "tests/support/hostlet_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <nlohmann/json.hpp>

#include <regex>

namespace hostlet::testing {
namespace {

using apiserver::EnsureAdminTokenFile;
using apiserver::EnsureServingCertificate;
using apiserver::IsPublicPath;
using apiserver::Request;
using apiserver::TokenAuthenticator;
using apiserver::UserInfo;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string WriteText(const std::filesystem::path& path, const std::string& text) {
  FILE* file = fopen(path.c_str(), "w");
  fwrite(text.data(), 1, text.size(), file);
  fclose(file);
  return path;
}

Request WithAuthorization(const std::string& value) {
  Request request;
  request.path = "/api/v1/pods";
  request.headers["authorization"] = value;
  return request;
}

unsigned Mode(const std::filesystem::path& path) {
  struct stat info {};
  stat(path.c_str(), &info);
  return info.st_mode & 0777;
}

TEST(TokenFile, UsersUidsAndQuotedGroups) {
  TempDir dir;
  auto path = WriteText(dir / "tokens.csv",
                        "# operators\n"
                        "\n"
                        "t1,alice,uid-1,\"system:masters,dev\"\n"
                        "t2,bob,uid-2\n");
  TokenAuthenticator tokens;
  tokens.LoadFile(path);
  EXPECT_EQ(tokens.size(), 2u);
  UserInfo user;
  ASSERT_EQ(tokens.Authenticate(WithAuthorization("Bearer t1"), &user),
            TokenAuthenticator::Outcome::kAuthenticated);
  EXPECT_EQ(user.name, "alice");
  EXPECT_EQ(user.uid, "uid-1");
  EXPECT_THAT(user.groups, ElementsAre("system:masters", "dev"));
  ASSERT_EQ(tokens.Authenticate(WithAuthorization("bearer t2"), &user),
            TokenAuthenticator::Outcome::kAuthenticated);
  EXPECT_EQ(user.name, "bob");
  EXPECT_TRUE(user.groups.empty());
}

TEST(TokenFile, MalformedEntriesNameTheFileAndLine) {
  TempDir dir;
  struct Case {
    std::string text;
    std::string reason;
  };
  for (const auto& [text, reason] : std::vector<Case>{
           {"t1,alice\n", "tokens.csv:1: expected token,user,uid"},
           {"# c\nt1,alice,u,\"dev\n", "tokens.csv:2: unterminated quote"},
           {",alice,u\n", "tokens.csv:1: the token is empty"},
           {"t1,,u\n", "tokens.csv:1: the user name is empty"},
           {"t1,alice,u\nt1,bob,v\n", "tokens.csv:2: this token is already given"},
       }) {
    TokenAuthenticator tokens;
    try {
      tokens.LoadFile(WriteText(dir / "tokens.csv", text));
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::runtime_error& error) {
      EXPECT_THAT(error.what(), HasSubstr(reason)) << text;
    }
  }
  TokenAuthenticator tokens;
  EXPECT_THROW(tokens.LoadFile(dir / "missing.csv"), std::runtime_error);
}

TEST(TokenAuth, NoHeaderIsAnonymousAndAnythingButAKnownBearerTokenIsRejected) {
  TempDir dir;
  TokenAuthenticator tokens;
  tokens.LoadFile(WriteText(dir / "tokens.csv", "secret,alice,u\n"));
  Request anonymous;
  EXPECT_EQ(tokens.Authenticate(anonymous, nullptr), TokenAuthenticator::Outcome::kAnonymous);
  for (const char* header :
       {"Bearer secreT", "Bearer secre", "Bearer ", "Basic secret", "secret", "Bearer secret2"}) {
    EXPECT_EQ(tokens.Authenticate(WithAuthorization(header), nullptr),
              TokenAuthenticator::Outcome::kRejected)
        << header;
  }
  EXPECT_EQ(tokens.Authenticate(WithAuthorization("BEARER secret"), nullptr),
            TokenAuthenticator::Outcome::kAuthenticated);
}

TEST(TokenAuth, OnlyHealthChecksAndVersionArePublic) {
  for (const char* path : {"/healthz", "/livez", "/readyz", "/readyz/ping", "/version"}) {
    EXPECT_TRUE(IsPublicPath(path)) << path;
  }
  for (const char* path : {"/api", "/apis", "/healthzz", "/openapi/v3", "/api/v1/secrets",
                           "/version/../api/v1/secrets", "/healthz/../api/v1/secrets",
                           "/healthz/%2e%2e/api/v1/secrets", "/healthz//api/v1/secrets",
                           "//healthz", "/healthz/./x", "/"}) {
    EXPECT_FALSE(IsPublicPath(path)) << path;
  }
}

TEST(AdminToken, MadeOnceWithAFreshRandomTokenAndKept) {
  TempDir dir;
  auto first = EnsureAdminTokenFile(dir / "admin-token.csv");
  EXPECT_TRUE(std::regex_match(first, std::regex("[0-9a-f]{64}"))) << first;
  EXPECT_EQ(Mode(dir / "admin-token.csv"), 0600u);
  EXPECT_EQ(EnsureAdminTokenFile(dir / "admin-token.csv"), first);
  TempDir other;
  EXPECT_NE(EnsureAdminTokenFile(other / "admin-token.csv"), first);
  TokenAuthenticator tokens;
  tokens.LoadFile(dir / "admin-token.csv");
  UserInfo user;
  ASSERT_EQ(tokens.Authenticate(WithAuthorization("Bearer " + first), &user),
            TokenAuthenticator::Outcome::kAuthenticated);
  EXPECT_EQ(user.name, "admin");
  EXPECT_THAT(user.groups, ElementsAre("system:masters"));
}

struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
std::unique_ptr<X509, X509Deleter> ParsePem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  std::unique_ptr<X509, X509Deleter> cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return cert;
}

// What a TLS client checks: the chain up to the CA and the name it dialled.
bool Verifies(const std::string& ca_pem, const std::string& cert_pem, const std::string& name) {
  auto ca = ParsePem(ca_pem);
  auto cert = ParsePem(cert_pem);
  if (!ca || !cert) return false;
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca.get());
  X509_STORE_CTX* context = X509_STORE_CTX_new();
  X509_STORE_CTX_init(context, store, cert.get(), nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context);
  boost::system::error_code not_ip;
  boost::asio::ip::make_address(name, not_ip);
  if (not_ip) {
    X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
  }
  bool ok = X509_verify_cert(context) == 1;
  X509_STORE_CTX_free(context);
  X509_STORE_free(store);
  return ok;
}

TEST(ServingCertificate, SignedByAKeptCaForExactlyTheNamesAsked) {
  TempDir dir;
  auto first = EnsureServingCertificate(dir / "pki", {"localhost", "127.0.0.1", "api.example"});
  for (const char* name : {"localhost", "127.0.0.1", "api.example"}) {
    EXPECT_TRUE(Verifies(first.ca_pem, first.cert_pem, name)) << name;
  }
  for (const char* name : {"other.example", "10.0.0.1", "::1"}) {
    EXPECT_FALSE(Verifies(first.ca_pem, first.cert_pem, name)) << name;
  }
  EXPECT_EQ(Mode(dir / "pki"), 0700u);
  EXPECT_EQ(Mode(dir.path() / "pki" / "ca.key"), 0600u);
  EXPECT_EQ(Mode(dir.path() / "pki" / "apiserver.key"), 0600u);

  // A restart keeps the CA, so kubeconfigs stay valid, and reissues the serving certificate
  // for the names of this start.
  auto second = EnsureServingCertificate(dir / "pki", {"127.0.0.1", "::1"});
  EXPECT_EQ(second.ca_pem, first.ca_pem);
  EXPECT_NE(second.cert_pem, first.cert_pem);
  EXPECT_TRUE(Verifies(second.ca_pem, second.cert_pem, "::1"));
  EXPECT_FALSE(Verifies(second.ca_pem, second.cert_pem, "api.example"));

  TempDir elsewhere;
  auto stranger = EnsureServingCertificate(elsewhere / "pki", {"127.0.0.1"});
  EXPECT_NE(stranger.ca_pem, first.ca_pem);
  EXPECT_FALSE(Verifies(first.ca_pem, stranger.cert_pem, "127.0.0.1"));
}

TEST(ServingCertificate, ACaKeyThatDoesNotMatchIsAClearError) {
  TempDir one, two;
  EnsureServingCertificate(one / "pki", {"127.0.0.1"});
  EnsureServingCertificate(two / "pki", {"127.0.0.1"});
  std::filesystem::copy_file(two.path() / "pki" / "ca.key", one.path() / "pki" / "ca.key",
                             std::filesystem::copy_options::overwrite_existing);
  try {
    EnsureServingCertificate(one / "pki", {"127.0.0.1"});
    FAIL() << "a foreign CA key was accepted";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr("ca.key is not the key of"));
  }
}

TEST_F(ServerTest, RequestsWithoutATokenGetOnlyTheHealthChecksAndVersion) {
  token_.clear();
  for (const char* path : {"/api/v1/namespaces", "/api", "/apis", "/openapi/v3"}) {
    auto response = Http("GET", path);
    EXPECT_EQ(response.status, 401) << path;
    auto status = json::parse(response.body);
    EXPECT_EQ(status["kind"], "Status");
    EXPECT_EQ(status["reason"], "Unauthorized");
    EXPECT_EQ(status["code"], 401);
  }
  EXPECT_EQ(Http("POST", "/api/v1/namespaces", "", R"({"metadata":{"name":"x"}})").status, 401);
  // Paths that look public but are not, however a router or a proxy might read them.
  for (const char* path : {"/healthz/../api/v1/namespaces", "/healthz/%2e%2e/api/v1/namespaces",
                           "//api/v1/namespaces", "/healthz//api/v1/namespaces"}) {
    EXPECT_EQ(Http("GET", path).status, 401) << path;
  }
  for (const char* path : {"/healthz", "/livez", "/readyz", "/version"}) {
    EXPECT_EQ(Http("GET", path).status, 200) << path;
  }
  token_ = "not-a-token";
  EXPECT_EQ(Http("GET", "/healthz").status, 401);
  EXPECT_EQ(Http("GET", "/api/v1/namespaces").status, 401);
}

TEST_F(ServerTest, KubectlWithAWrongTokenIsToldItIsUnauthorized) {
  auto result = Kubectl("--token not-a-token get namespaces");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.output, HasSubstr("You must be logged in to the server"));
}

TEST_F(ServerTest, KubectlRefusesTheServerWhenTrustingAnotherCa) {
  TempDir elsewhere;
  EnsureServingCertificate(elsewhere / "pki", {"127.0.0.1"});
  auto result = Kubectl("--certificate-authority " +
                        (elsewhere.path() / "pki" / "ca.crt").string() + " get namespaces");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.output, HasSubstr("certificate signed by unknown authority"));
}

TEST_F(ServerTest, ARestartKeepsTheCaAndTokenSoTheKubeconfigStillWorks) {
  std::string before = ReadFile(kubeconfig_);
  ASSERT_EQ(server_->Stop(SIGTERM, std::chrono::seconds(10)), 0);
  server_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{HOSTLET_SERVER_BINARY, "--listen",
                               "127.0.0.1:" + std::to_string(port_), "--data-dir", dir_ / "data",
                               "--kubeconfig-out", dir_ / "again.kubeconfig"},
      dir_ / "again.log");
  ASSERT_TRUE(Eventually([&] { return std::filesystem::exists(dir_ / "again.kubeconfig"); }))
      << ReadFile(dir_ / "again.log");
  EXPECT_EQ(ReadFile(dir_ / "again.kubeconfig"), before);
  auto result = Kubectl("get namespaces");
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

class ExtraUsersTest : public ServerTest {
 protected:
  ExtraUsersTest() {
    extra_flags_ = {"--token-auth-file",
                    WriteText(dir_ / "users.csv", "alice-token,alice,alice-uid,\"dev\"\n")};
  }
};

TEST_F(ExtraUsersTest, UsersOfATokenFileAuthenticateBesidesTheAdmin) {
  auto alice = Kubectl("--token alice-token get namespaces -o name");
  EXPECT_EQ(alice.exit_code, 0) << alice.output;
  EXPECT_THAT(alice.output, HasSubstr("namespace/default"));
  auto admin = Kubectl("get namespaces -o name");
  EXPECT_EQ(admin.exit_code, 0) << admin.output;
}

class PlainHttpTest : public ServerTest {
 protected:
  PlainHttpTest() { extra_flags_ = {"--insecure-http"}; }
};

TEST_F(PlainHttpTest, ServesPlainHttpWithoutCredentialsWhenAsked) {
  ASSERT_TRUE(plain_http_) << ReadFile(kubeconfig_);
  std::string config = ReadFile(kubeconfig_);
  EXPECT_THAT(config, ::testing::Not(HasSubstr("certificate-authority-data")));
  EXPECT_THAT(config, ::testing::Not(HasSubstr("token:")));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "data" / "pki"));
  auto result = Kubectl("get namespaces -o name");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("namespace/default"));
  EXPECT_EQ(Http("GET", "/api/v1/namespaces").status, 200);
}

TEST(ServerFlags, AMalformedTokenFileStopsTheServerNamingFileAndLine) {
  TempDir dir;
  auto tokens = WriteText(dir / "users.csv", "ok,alice,a\nbroken\n");
  auto result = RunCommand(std::string(HOSTLET_SERVER_BINARY) + " --listen 127.0.0.1:0" +
                           " --data-dir " + dir / "data" + " --token-auth-file " + tokens);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.output, HasSubstr("users.csv:2: expected token,user,uid"));
}

}  // namespace
}  // namespace hostlet::testing
