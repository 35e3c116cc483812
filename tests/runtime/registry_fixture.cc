#include "tests/runtime/registry_fixture.h"

#include "plugins/runtime/oci/image/digest.h"
#include "plugins/runtime/oci/registry/http_client.h"

#include <arpa/inet.h>
#include <crypt.h>
#include <openssl/evp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace hostlet::testing {
namespace {

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

oci::HttpResponse Send(const std::string& method, const std::string& url, const std::string& body = "",
                       std::map<std::string, std::string> headers = {}, const std::string& authorization = "",
                       std::vector<std::string> ca_files = {}) {
  if (!authorization.empty()) headers["Authorization"] = authorization;
  oci::HttpRequest request;
  request.method = method;
  request.url = *oci::Url::Parse(url);
  request.body = body;
  request.headers = std::move(headers);
  return oci::HttpClient(std::chrono::seconds(10), std::move(ca_files)).Send(request);
}

}  // namespace

LocalRegistry::LocalRegistry(const Options& options) {
  const std::string& user = options.user;
  const std::string& password = options.password;
  port_ = FreeLoopbackPort();
  if (options.tls) {
    // A CA and a server certificate for 127.0.0.1, made with the openssl tool.
    const std::string d = dir_.path().string();
    const std::string commands =
        "cd " + d + " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=hostlet-test-ca "
        "-keyout ca.key -out ca.pem && openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 "
        "-keyout server.key -out server.csr && printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
        "-extfile san.ext -out server.pem";
    if (std::system((commands + " >openssl.log 2>&1").c_str()) != 0) {
      throw std::runtime_error("openssl could not make the test certificates: " + ReadFile(dir_.path() / "openssl.log"));
    }
    scheme_ = "https";
  }
  std::ofstream config(dir_ / "config.yml");
  config << "version: 0.1\n"
         << "storage:\n  filesystem:\n    rootdirectory: " << (dir_ / "storage") << "\n  delete:\n    enabled: true\n"
         << "http:\n  addr: 127.0.0.1:" << port_ << "\n";
  if (options.tls) {
    config << "  tls:\n    certificate: " << (dir_ / "server.pem") << "\n    key: " << (dir_ / "server.key") << "\n";
  }
  if (!user.empty()) {
    char salt[64];
    if (crypt_gensalt_rn("$2b$", 10, nullptr, 0, salt, sizeof(salt)) == nullptr) {
      throw std::runtime_error("cannot make a bcrypt salt");
    }
    crypt_data data{};
    const char* hash = crypt_r(password.c_str(), salt, &data);
    if (hash == nullptr || hash[0] == '*') throw std::runtime_error("cannot bcrypt the registry password");
    std::ofstream(dir_ / "htpasswd") << user << ":" << hash << "\n";
    config << "auth:\n  htpasswd:\n    realm: test-registry\n    path: " << (dir_ / "htpasswd") << "\n";
    std::string pair = user + ":" + password;
    std::string encoded(4 * ((pair.size() + 2) / 3) + 1, '\0');
    encoded.resize(static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                                       reinterpret_cast<const unsigned char*>(pair.data()),
                                                       static_cast<int>(pair.size()))));
    authorization_ = "Basic " + encoded;
  }
  config.close();
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/docker-registry", "serve", dir_ / "config.yml"}, dir_ / "registry.log");
  for (int attempt = 0; attempt < 200; ++attempt) {
    try {
      int status = Send("GET", scheme_ + "://" + host() + "/v2/", "", {}, "", CaFiles()).status;
      if (status == 200 || (status == 401 && !user.empty())) return;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::ifstream log(dir_ / "registry.log");
  std::stringstream text;
  text << log.rdbuf();
  throw std::runtime_error("docker-registry did not start on " + host() + ": " + text.str());
}

std::vector<std::string> LocalRegistry::CaFiles() const {
  return scheme_ == "https" ? std::vector<std::string>{ca_file()} : std::vector<std::string>{};
}

std::string LocalRegistry::Push(const TestImage& image, const std::string& repository, const std::string& tag) const {
  const std::string base = scheme_ + "://" + host() + "/v2/" + repository;
  auto upload = [&](const std::string& bytes) {
    auto started = Send("POST", base + "/blobs/uploads/", "", {}, authorization_, CaFiles());
    if (started.status != 202) throw std::runtime_error("upload start: " + std::to_string(started.status));
    std::string location = started.Header("location");
    if (location.starts_with("/")) location = scheme_ + "://" + host() + location;
    location += (location.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + oci::DigestOf(bytes);
    auto done = Send("PUT", location, bytes, {{"Content-Type", "application/octet-stream"}}, authorization_, CaFiles());
    if (done.status != 201) throw std::runtime_error("blob upload: " + std::to_string(done.status) + " " + done.body);
  };
  upload(image.config);
  for (const auto& layer : image.layers) upload(layer.bytes);
  auto put = Send("PUT", base + "/manifests/" + tag, image.manifest,
                  {{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}}, authorization_, CaFiles());
  if (put.status != 201) throw std::runtime_error("manifest upload: " + std::to_string(put.status) + " " + put.body);
  return oci::DigestOf(image.manifest);
}

}  // namespace hostlet::testing
