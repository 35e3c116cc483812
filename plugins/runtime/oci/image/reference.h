// Image references as users write them ("busybox", "registry:5000/team/app:1.2",
// "app@sha256:..."), normalized the way Docker and containerd do.
#pragma once

#include <optional>
#include <string>

namespace hostlet::oci {

struct Reference {
  std::string domain;      // "docker.io", "registry:5000"
  std::string repository;  // "library/busybox"
  std::string tag;         // "latest"; empty when pinned by digest only
  std::string digest;      // "sha256:..."; may be empty

  std::string Name() const { return domain + "/" + repository; }
  // "docker.io/library/busybox:latest", or "...@sha256:..." when there is no tag.
  std::string String() const;
  std::string TaggedName() const { return Name() + ":" + tag; }
};

// Nullopt when `text` is not a valid reference; `error` says why.
std::optional<Reference> ParseReference(const std::string& text, std::string* error = nullptr);

}  // namespace hostlet::oci
