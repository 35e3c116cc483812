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
                       std::map<std::string, std::string> headers = {}, const std::string& authorization = "") {
  if (!authorization.empty()) headers["Authorization"] = authorization;
  oci::HttpRequest request;
  request.method = method;
  request.url = *oci::Url::Parse(url);
  request.body = body;
  request.headers = std::move(headers);
  return oci::HttpClient(std::chrono::seconds(10)).Send(request);
}

}  // namespace

LocalRegistry::LocalRegistry(const std::string& user, const std::string& password) {
  port_ = FreeLoopbackPort();
  std::ofstream config(dir_ / "config.yml");
  config << "version: 0.1\n"
         << "storage:\n  filesystem:\n    rootdirectory: " << (dir_ / "storage") << "\n  delete:\n    enabled: true\n"
         << "http:\n  addr: 127.0.0.1:" << port_ << "\n";
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
      int status = Send("GET", "http://" + host() + "/v2/").status;
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

std::string LocalRegistry::Push(const TestImage& image, const std::string& repository, const std::string& tag) const {
  const std::string base = "http://" + host() + "/v2/" + repository;
  auto upload = [&](const std::string& bytes) {
    auto started = Send("POST", base + "/blobs/uploads/", "", {}, authorization_);
    if (started.status != 202) throw std::runtime_error("upload start: " + std::to_string(started.status));
    std::string location = started.Header("location");
    if (location.starts_with("/")) location = "http://" + host() + location;
    location += (location.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + oci::DigestOf(bytes);
    auto done = Send("PUT", location, bytes, {{"Content-Type", "application/octet-stream"}}, authorization_);
    if (done.status != 201) throw std::runtime_error("blob upload: " + std::to_string(done.status) + " " + done.body);
  };
  upload(image.config);
  for (const auto& layer : image.layers) upload(layer.bytes);
  auto put = Send("PUT", base + "/manifests/" + tag, image.manifest,
                  {{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}}, authorization_);
  if (put.status != 201) throw std::runtime_error("manifest upload: " + std::to_string(put.status) + " " + put.body);
  return oci::DigestOf(image.manifest);
}

}  // namespace hostlet::testing
