#include "kubelet/plugins/module_file.h"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <vector>

namespace hostlet::plugins {
namespace {

template <class T>
bool ReadAt(std::ifstream& file, uint64_t offset, T* out, size_t size = sizeof(T)) {
  file.seekg(static_cast<std::streamoff>(offset));
  file.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(size));
  return file.good();
}

ModuleError Refuse(const std::filesystem::path& file, const std::string& what) {
  return ModuleError(file.string() + ": " + what);
}

// Bytes of the named section, or nullopt-like empty vector with found=false.
std::vector<char> SectionBytes(const std::filesystem::path& path, const char* wanted, bool* found) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Refuse(path, "cannot be opened: " + std::string(std::strerror(errno)));
  file.seekg(0, std::ios::end);
  const uint64_t file_size = static_cast<uint64_t>(file.tellg());
  file.seekg(0);
  // Every offset and size below comes from the file itself: check it against the file's size
  // before reading or allocating anything.
  auto inside = [file_size](uint64_t offset, uint64_t size) {
    return offset <= file_size && size <= file_size - offset;
  };
  Elf64_Ehdr header{};
  file.read(reinterpret_cast<char*>(&header), sizeof(header));
  if (!file.good() || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
    throw Refuse(path, "not an ELF file; expected a hostlet plugin module (a shared library)");
  }
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_type != ET_DYN) {
    throw Refuse(path, "an ELF file but not a 64-bit shared library; expected a hostlet plugin "
                       "module built with -shared");
  }
  if (header.e_shentsize != sizeof(Elf64_Shdr) || header.e_shstrndx >= header.e_shnum ||
      !inside(header.e_shoff, uint64_t{header.e_shnum} * sizeof(Elf64_Shdr))) {
    throw Refuse(path, "an ELF file with a damaged section table");
  }
  Elf64_Shdr names{};
  if (!ReadAt(file, header.e_shoff + header.e_shstrndx * sizeof(Elf64_Shdr), &names)) {
    throw Refuse(path, "an ELF file with a damaged section table");
  }
  if (!inside(names.sh_offset, names.sh_size) || names.sh_size == 0) {
    throw Refuse(path, "an ELF file with a damaged section name table");
  }
  std::vector<char> name_table(names.sh_size);
  if (!ReadAt(file, names.sh_offset, name_table.data(), name_table.size())) {
    throw Refuse(path, "an ELF file with a damaged section name table");
  }
  for (uint16_t index = 0; index < header.e_shnum; ++index) {
    Elf64_Shdr section{};
    if (!ReadAt(file, header.e_shoff + index * sizeof(Elf64_Shdr), &section)) break;
    if (section.sh_name >= name_table.size()) continue;
    const char* name = name_table.data() + section.sh_name;
    if (std::strncmp(name, wanted, name_table.size() - section.sh_name) != 0) continue;
    if (section.sh_size > (1u << 20) || !inside(section.sh_offset, section.sh_size)) {
      throw Refuse(path, "an ELF file whose hostlet manifest section lies outside the file");
    }
    std::vector<char> bytes(section.sh_size);
    if (!ReadAt(file, section.sh_offset, bytes.data(), bytes.size())) {
      throw Refuse(path, "an ELF file whose hostlet manifest section is cut short");
    }
    *found = true;
    return bytes;
  }
  *found = false;
  return {};
}

std::string Bounded(const char* text, size_t size) { return std::string(text, strnlen(text, size)); }

}  // namespace

const char* KindName(uint32_t kind) {
  switch (kind) {
    case HOSTLET_KIND_RUNTIME: return "runtime";
    case HOSTLET_KIND_NETWORK: return "network";
    case HOSTLET_KIND_STORAGE: return "storage";
    case HOSTLET_KIND_DEVICE: return "device";
    default: return "unknown";
  }
}

ModuleManifest ReadManifest(const std::filesystem::path& path) {
  bool found = false;
  std::vector<char> bytes = SectionBytes(path, HOSTLET_MANIFEST_SECTION, &found);
  if (!found) {
    throw Refuse(path, "a shared library without a hostlet manifest (no '" HOSTLET_MANIFEST_SECTION
                       "' section); expected a module built with the hostlet SDK's HOSTLET_PLUGIN");
  }
  if (bytes.size() < sizeof(hostlet_manifest)) {
    throw Refuse(path, "a hostlet manifest of " + std::to_string(bytes.size()) +
                           " bytes; expected at least " + std::to_string(sizeof(hostlet_manifest)));
  }
  hostlet_manifest raw{};
  std::memcpy(&raw, bytes.data(), sizeof(raw));
  if (std::memcmp(raw.magic, HOSTLET_MANIFEST_MAGIC, sizeof(raw.magic)) != 0) {
    throw Refuse(path, "a '" HOSTLET_MANIFEST_SECTION "' section without the hostlet manifest magic");
  }
  ModuleManifest manifest;
  manifest.abi_major = raw.abi_major;
  manifest.abi_minor = raw.abi_minor;
  manifest.kind = static_cast<hostlet_kind>(raw.kind);
  manifest.name = Bounded(raw.name, sizeof(raw.name));
  manifest.version = Bounded(raw.version, sizeof(raw.version));
  return manifest;
}

}  // namespace hostlet::plugins
