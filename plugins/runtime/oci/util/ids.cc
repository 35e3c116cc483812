#include "plugins/runtime/oci/util/ids.h"

#include <fstream>
#include <stdexcept>

namespace hostlet::oci {

std::string RandomId() {
  unsigned char bytes[32];
  std::ifstream random("/dev/urandom", std::ios::binary);
  if (!random.read(reinterpret_cast<char*>(bytes), sizeof(bytes))) throw std::runtime_error("cannot read /dev/urandom");
  static const char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char byte : bytes) {
    id += kHex[byte >> 4];
    id += kHex[byte & 15];
  }
  return id;
}

}  // namespace hostlet::oci
