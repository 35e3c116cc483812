#include "plugins/runtime/oci/registry/registry_client.h"

#include "plugins/runtime/oci/image/digest.h"

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <fstream>

namespace hostlet::oci {
namespace {

constexpr const char* kManifestTypes =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

std::string Base64(const std::string& text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  out.resize(static_cast<size_t>(length));
  return out;
}

std::string UrlEncode(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Parameters of a WWW-Authenticate challenge: scheme plus key="value" pairs.
std::map<std::string, std::string> ParseChallenge(const std::string& header, std::string* scheme) {
  std::map<std::string, std::string> params;
  auto space = header.find(' ');
  *scheme = header.substr(0, space);
  std::transform(scheme->begin(), scheme->end(), scheme->begin(), ::tolower);
  size_t at = space == std::string::npos ? header.size() : space + 1;
  while (at < header.size()) {
    auto equals = header.find('=', at);
    if (equals == std::string::npos) break;
    std::string key = header.substr(at, equals - at);
    key.erase(0, key.find_first_not_of(" ,"));
    std::string value;
    size_t next;
    if (equals + 1 < header.size() && header[equals + 1] == '"') {
      auto close = header.find('"', equals + 2);
      value = header.substr(equals + 2, close - equals - 2);
      next = close == std::string::npos ? header.size() : close + 1;
    } else {
      auto comma = header.find(',', equals);
      value = header.substr(equals + 1, comma - equals - 1);
      next = comma == std::string::npos ? header.size() : comma;
    }
    params[key] = value;
    at = header.find(',', next);
    at = at == std::string::npos ? header.size() : at + 1;
  }
  return params;
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host.starts_with("127.") || host == "[::1]";
}

grpc::StatusCode CodeForStatus(int status) {
  switch (status) {
    case 401: return grpc::StatusCode::UNAUTHENTICATED;
    case 403: return grpc::StatusCode::PERMISSION_DENIED;
    case 404: return grpc::StatusCode::NOT_FOUND;
    case 429: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    default: return status >= 500 ? grpc::StatusCode::UNAVAILABLE : grpc::StatusCode::UNKNOWN;
  }
}

}  // namespace

// One pull: the registry's base URL and the authorization earned on the way.
class RegistryClient::Session {
 public:
  Session(const RegistryClient& client, const Reference& reference, const runtime::v1::AuthConfig& auth)
      : client_(client), reference_(reference), auth_(auth) {
    host_ = reference.domain == "docker.io" ? "registry-1.docker.io" : reference.domain;
    may_use_http_ = IsLoopback(host_.substr(0, host_.rfind(':') == std::string::npos ? host_.size() : host_.rfind(':'))) ||
                    std::find(client.insecure_.begin(), client.insecure_.end(), reference.domain) != client.insecure_.end();
    base_ = "https://" + host_;
  }

  HttpResponse Get(const std::string& path, const std::string& accept,
                   std::function<void(const char*, size_t)> sink = nullptr) {
    for (int attempt = 0;; ++attempt) {
      HttpRequest request;
      auto url = Url::Parse(base_ + path);
      if (!url) throw RegistryError(grpc::StatusCode::INVALID_ARGUMENT, "bad registry URL " + base_ + path);
      request.url = *url;
      if (!accept.empty()) request.headers["Accept"] = accept;
      if (!authorization_.empty()) request.headers["Authorization"] = authorization_;
      request.body_sink = sink;
      HttpResponse response;
      try {
        response = client_.http_.Send(request);
      } catch (const std::runtime_error& error) {
        if (may_use_http_ && base_.starts_with("https://")) {
          base_ = "http://" + host_;  // an insecure registry that speaks no TLS
          --attempt;
          continue;
        }
        throw RegistryError(grpc::StatusCode::UNAVAILABLE, error.what());
      }
      if (response.status == 401 && attempt == 0) {
        Authenticate(response.Header("www-authenticate"));
        continue;
      }
      return response;
    }
  }

  const std::string& repository() const { return reference_.repository; }

 private:
  std::pair<std::string, std::string> Credentials() const {
    if (!auth_.username().empty()) return {auth_.username(), auth_.password()};
    if (!auth_.auth().empty()) {
      std::string decoded(auth_.auth().size(), '\0');
      int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                   reinterpret_cast<const unsigned char*>(auth_.auth().data()),
                                   static_cast<int>(auth_.auth().size()));
      decoded.resize(length > 0 ? static_cast<size_t>(length) : 0);
      decoded.erase(decoded.find_last_not_of('\0') + 1);
      auto colon = decoded.find(':');
      if (colon != std::string::npos) return {decoded.substr(0, colon), decoded.substr(colon + 1)};
    }
    return {};
  }

  void Authenticate(const std::string& challenge) {
    std::string scheme;
    auto params = ParseChallenge(challenge, &scheme);
    auto [user, password] = Credentials();
    if (!auth_.registry_token().empty()) {
      authorization_ = "Bearer " + auth_.registry_token();
      return;
    }
    if (scheme == "basic") {
      if (user.empty()) throw RegistryError(grpc::StatusCode::UNAUTHENTICATED, "the registry asks for credentials and none were given");
      authorization_ = "Basic " + Base64(user + ":" + password);
      return;
    }
    if (scheme != "bearer" || params["realm"].empty()) {
      throw RegistryError(grpc::StatusCode::UNAUTHENTICATED, "unsupported authentication challenge \"" + challenge + "\"");
    }
    std::string url = params["realm"] + "?service=" + UrlEncode(params["service"]) +
                      "&scope=" + UrlEncode(params.count("scope") ? params["scope"] : "repository:" + reference_.repository + ":pull");
    HttpRequest request;
    auto parsed = Url::Parse(url);
    if (!parsed) throw RegistryError(grpc::StatusCode::UNAUTHENTICATED, "bad token realm \"" + params["realm"] + "\"");
    request.url = *parsed;
    if (!user.empty()) request.headers["Authorization"] = "Basic " + Base64(user + ":" + password);
    HttpResponse response;
    try {
      response = client_.http_.Send(request);
    } catch (const std::runtime_error& error) {
      throw RegistryError(grpc::StatusCode::UNAVAILABLE, std::string("token service: ") + error.what());
    }
    if (response.status != 200) {
      throw RegistryError(CodeForStatus(response.status), "token service answered " + std::to_string(response.status));
    }
    auto token = nlohmann::json::parse(response.body, nullptr, false);
    std::string value = token.is_object() ? token.value("token", token.value("access_token", "")) : "";
    if (value.empty()) throw RegistryError(grpc::StatusCode::UNAUTHENTICATED, "token service gave no token");
    authorization_ = "Bearer " + value;
  }

  const RegistryClient& client_;
  Reference reference_;
  runtime::v1::AuthConfig auth_;
  std::string host_;
  bool may_use_http_ = false;
  std::string base_;
  std::string authorization_;
};

std::string RegistryClient::Pull(const Reference& reference, const runtime::v1::AuthConfig& auth,
                                 BlobStore& blobs) const {
  Session session(*this, reference, auth);
  auto fetch_manifest = [&](const std::string& tag_or_digest) {
    HttpResponse response = session.Get("/v2/" + session.repository() + "/manifests/" + tag_or_digest, kManifestTypes);
    if (response.status != 200) {
      throw RegistryError(CodeForStatus(response.status),
                          "manifest " + tag_or_digest + ": registry answered " + std::to_string(response.status) +
                              (response.status == 404 ? " (image not found)" : ""));
    }
    std::string digest = DigestOf(response.body);
    std::string expected = tag_or_digest.starts_with("sha256:") ? tag_or_digest : response.Header("docker-content-digest");
    if (!expected.empty() && expected != digest) {
      throw RegistryError(grpc::StatusCode::DATA_LOSS, "manifest digest mismatch: expected " + expected + ", got " + digest);
    }
    auto json = nlohmann::json::parse(response.body, nullptr, false);
    if (!json.is_object()) throw RegistryError(grpc::StatusCode::DATA_LOSS, "manifest " + digest + " is not JSON");
    return std::make_pair(digest, std::make_pair(json, response.body));
  };
  auto [digest, manifest] = fetch_manifest(reference.digest.empty() ? reference.tag : reference.digest);
  if (manifest.first.contains("manifests")) {
    std::string chosen;
    for (const auto& entry : manifest.first["manifests"]) {
      auto platform = entry.value("platform", nlohmann::json::object());
      if (platform.value("os", "") == "linux" && platform.value("architecture", "") == "amd64") {
        chosen = entry.value("digest", "");
        break;
      }
    }
    if (chosen.empty()) throw RegistryError(grpc::StatusCode::NOT_FOUND, "the image has no linux/amd64 manifest");
    std::tie(digest, manifest) = fetch_manifest(chosen);
  }
  if (!manifest.first.contains("config") || !manifest.first.contains("layers")) {
    throw RegistryError(grpc::StatusCode::INVALID_ARGUMENT,
                        "unsupported manifest media type \"" + manifest.first.value("mediaType", "") + "\"");
  }
  std::vector<std::string> wanted = {manifest.first["config"].value("digest", "")};
  for (const auto& layer : manifest.first["layers"]) wanted.push_back(layer.value("digest", ""));
  for (const auto& blob : wanted) {
    if (!IsValidDigest(blob)) throw RegistryError(grpc::StatusCode::DATA_LOSS, "manifest names invalid digest \"" + blob + "\"");
    if (blobs.Has(blob)) continue;
    auto temporary = blobs.TemporaryPath();
    {
      std::ofstream out(temporary, std::ios::binary);
      HttpResponse response = session.Get("/v2/" + session.repository() + "/blobs/" + blob, "",
                                          [&](const char* data, size_t size) { out.write(data, static_cast<std::streamsize>(size)); });
      if (response.status != 200) {
        std::filesystem::remove(temporary);
        throw RegistryError(CodeForStatus(response.status), "blob " + blob + ": registry answered " + std::to_string(response.status));
      }
    }
    try {
      blobs.Adopt(temporary, blob);
    } catch (const std::runtime_error& error) {
      throw RegistryError(grpc::StatusCode::DATA_LOSS, "blob " + blob + ": " + error.what());
    }
  }
  blobs.AddBytes(manifest.second, digest);
  return digest;
}

}  // namespace hostlet::oci
