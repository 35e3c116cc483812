// Test images made at test time from the host's busybox-static: layers written with
// libarchive, packaged as an OCI image layout (directory or tar) or a `docker save` archive,
// or pushed to a registry.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace hostlet::testing {

struct Layer {
  std::string bytes;    // the blob as stored (gzip-compressed when `gzip`)
  std::string diff_id;  // digest of the uncompressed tar
  bool gzip = false;
};

struct TestImage {
  std::vector<Layer> layers;
  std::string config;    // image config JSON
  std::string manifest;  // OCI image manifest JSON
};

// Base layer: /bin/busybox with applet links (sh, sleep, echo, cat, ls, ...), a hard link
// /bin/busybox-link to it, /etc/passwd, /etc/group, /tmp, and /removed-by-upper. Upper layer: a
// whiteout for /removed-by-upper and /upper.txt.
// `entrypoint` becomes the config's Cmd.
TestImage BusyboxImage(const std::vector<std::string>& cmd = {"/bin/sh"}, bool gzip = true);

// Writes an OCI image layout in `dir`, the manifest annotated with `name`.
void WriteOciLayout(const TestImage& image, const std::string& name, const std::filesystem::path& dir);
// Writes the OCI layout as a tar file.
void WriteOciArchive(const TestImage& image, const std::string& name, const std::filesystem::path& file);
// Writes a `docker save` archive (uncompressed layers, manifest.json with RepoTags).
void WriteDockerArchive(const TestImage& image, const std::string& repo_tag, const std::filesystem::path& file);

// A tar archive of the files in `dir`, paths relative to it.
void TarDirectory(const std::filesystem::path& dir, const std::filesystem::path& file);

}  // namespace hostlet::testing
