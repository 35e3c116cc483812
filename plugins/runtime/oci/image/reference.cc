#include "plugins/runtime/oci/image/reference.h"

#include "plugins/runtime/oci/image/digest.h"

#include <algorithm>
#include <cctype>

namespace hostlet::oci {
namespace {

bool Fail(std::string* error, const std::string& why) {
  if (error != nullptr) *error = why;
  return false;
}

bool ValidPathComponent(const std::string& part) {
  if (part.empty()) return false;
  for (char c : part) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '.' || c == '_' || c == '-')) {
      return false;
    }
  }
  return std::isalnum(static_cast<unsigned char>(part.front())) &&
         std::isalnum(static_cast<unsigned char>(part.back()));
}

bool ValidTag(const std::string& tag) {
  if (tag.empty() || tag.size() > 128) return false;
  if (!(std::isalnum(static_cast<unsigned char>(tag[0])) || tag[0] == '_')) return false;
  return std::all_of(tag.begin(), tag.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

}  // namespace

std::string Reference::String() const {
  if (!tag.empty()) return TaggedName() + (digest.empty() ? "" : "@" + digest);
  return Name() + "@" + digest;
}

std::optional<Reference> ParseReference(const std::string& text, std::string* error) {
  Reference reference;
  std::string rest = text;
  if (rest.empty()) return Fail(error, "empty image reference"), std::nullopt;
  if (auto at = rest.find('@'); at != std::string::npos) {
    reference.digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
    if (!IsValidDigest(reference.digest)) {
      return Fail(error, "invalid digest \"" + reference.digest + "\" (expected sha256:<64 hex>)"),
             std::nullopt;
    }
  }
  auto last_slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string::npos && (last_slash == std::string::npos || colon > last_slash)) {
    reference.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    if (!ValidTag(reference.tag)) {
      return Fail(error, "invalid tag \"" + reference.tag + "\""), std::nullopt;
    }
  }
  auto first_slash = rest.find('/');
  std::string first = rest.substr(0, first_slash);
  if (first_slash != std::string::npos &&
      (first.find('.') != std::string::npos || first.find(':') != std::string::npos ||
       first == "localhost")) {
    reference.domain = first;
    reference.repository = rest.substr(first_slash + 1);
  } else {
    reference.domain = "docker.io";
    reference.repository = rest;
  }
  if (reference.domain == "index.docker.io") reference.domain = "docker.io";
  if (reference.domain == "docker.io" && reference.repository.find('/') == std::string::npos) {
    reference.repository = "library/" + reference.repository;
  }
  size_t start = 0;
  while (start <= reference.repository.size()) {
    size_t end = reference.repository.find('/', start);
    if (end == std::string::npos) end = reference.repository.size();
    if (!ValidPathComponent(reference.repository.substr(start, end - start))) {
      return Fail(error, "invalid repository name \"" + reference.repository + "\" in \"" + text + "\""),
             std::nullopt;
    }
    start = end + 1;
  }
  if (reference.tag.empty() && reference.digest.empty()) reference.tag = "latest";
  return reference;
}

}  // namespace hostlet::oci
