// `hostlet-oci-unpack ROOTFS`: applies the image layer on stdin (tar, compressed or
// not) to ROOTFS, inside a chroot so that no entry, symlink or hard link can reach outside it.
// OCI whiteouts: ".wh.NAME" deletes NAME from lower layers; ".wh..wh..opq" empties its
// directory of what lower layers put there.
#include "plugins/runtime/oci/helper/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>

namespace hostlet::oci::helper {
namespace {

constexpr std::string_view kWhiteout = ".wh.";
constexpr std::string_view kOpaque = ".wh..wh..opq";

// "./a/b/" -> "/a/b"
std::string Clean(const char* raw) {
  std::filesystem::path path = std::filesystem::path("/") / raw;
  std::string clean = path.lexically_normal().string();
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  return clean;
}

int Fail(const std::string& message) {
  std::cerr << message << "\n";
  return 1;
}

}  // namespace

int Unpack(const std::string& rootfs) {
  std::filesystem::create_directories(rootfs);
  if (chroot(rootfs.c_str()) != 0 || chdir("/") != 0) {
    return Fail("cannot chroot into " + rootfs + ": " + std::strerror(errno));
  }
  archive* reader = archive_read_new();
  archive_read_support_filter_all(reader);
  archive_read_support_format_tar(reader);
  archive_read_support_format_gnutar(reader);
  archive* writer = archive_write_disk_new();
  archive_write_disk_set_options(
      writer, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                  ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_UNLINK | ARCHIVE_EXTRACT_SECURE_NODOTDOT);
  if (archive_read_open_fd(reader, STDIN_FILENO, 1 << 16) != ARCHIVE_OK) {
    return Fail(std::string("not a readable layer: ") + archive_error_string(reader));
  }
  std::set<std::string> written;  // by this layer, which an opaque marker must keep
  int status = 0;
  archive_entry* entry = nullptr;
  for (;;) {
    int read = archive_read_next_header(reader, &entry);
    if (read == ARCHIVE_EOF) break;
    if (read < ARCHIVE_WARN) {
      status = Fail(std::string("corrupt layer: ") + archive_error_string(reader));
      break;
    }
    std::string path = Clean(archive_entry_pathname(entry));
    std::filesystem::path as_path(path);
    std::string name = as_path.filename().string();
    if (name == kOpaque) {
      std::error_code ignored;
      for (const auto& child : std::filesystem::directory_iterator(as_path.parent_path(), ignored)) {
        if (!written.contains(child.path().string())) std::filesystem::remove_all(child.path(), ignored);
      }
      continue;
    }
    if (name.starts_with(kWhiteout)) {
      std::error_code ignored;
      std::filesystem::remove_all(as_path.parent_path() / name.substr(kWhiteout.size()), ignored);
      continue;
    }
    archive_entry_set_pathname(entry, path.c_str());
    if (const char* target = archive_entry_hardlink(entry)) {
      archive_entry_set_hardlink(entry, Clean(target).c_str());
    }
    if (archive_write_header(writer, entry) < ARCHIVE_WARN) {
      status = Fail(path + ": " + archive_error_string(writer));
      break;
    }
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int data;
    while ((data = archive_read_data_block(reader, &block, &size, &offset)) == ARCHIVE_OK) {
      if (archive_write_data_block(writer, block, size, offset) < ARCHIVE_WARN) break;
    }
    if (data < ARCHIVE_WARN) {
      status = Fail(path + ": corrupt layer data: " + archive_error_string(reader));
      break;
    }
    if (archive_write_finish_entry(writer) < ARCHIVE_WARN) {
      status = Fail(path + ": " + archive_error_string(writer));
      break;
    }
    for (std::filesystem::path at = as_path; at != "/"; at = at.parent_path()) written.insert(at.string());
  }
  archive_read_free(reader);
  if (archive_write_close(writer) < ARCHIVE_WARN && status == 0) {
    status = Fail(std::string("cannot finish the layer: ") + archive_error_string(writer));
  }
  archive_write_free(writer);
  return status;
}

}  // namespace hostlet::oci::helper
