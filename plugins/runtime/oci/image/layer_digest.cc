#include "plugins/runtime/oci/image/layer_digest.h"

#include "plugins/runtime/oci/image/digest.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <stdexcept>

namespace hostlet::oci {

std::string UncompressedDigest(const std::filesystem::path& blob) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(), &archive_read_free);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_raw(reader.get());  // the decompressed bytes, not the tar entries
  if (archive_read_open_filename(reader.get(), blob.c_str(), 1 << 16) != ARCHIVE_OK) {
    throw std::runtime_error(std::string("cannot read layer: ") + archive_error_string(reader.get()));
  }
  archive_entry* entry = nullptr;
  Sha256 hasher;
  if (archive_read_next_header(reader.get(), &entry) == ARCHIVE_OK) {
    char buffer[1 << 16];
    la_ssize_t size;
    while ((size = archive_read_data(reader.get(), buffer, sizeof(buffer))) > 0) {
      hasher.Update(buffer, static_cast<size_t>(size));
    }
    if (size < 0) {
      throw std::runtime_error(std::string("corrupt layer: ") + archive_error_string(reader.get()));
    }
  }
  return hasher.Digest();
}

}  // namespace hostlet::oci
