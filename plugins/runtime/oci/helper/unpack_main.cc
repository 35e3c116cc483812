// hostlet-oci-unpack ROOTFS < layer: applies an image layer to ROOTFS, chrooted. A binary of
// its own because libarchive and what it loads (ICU, libxml2, the compression libraries) made
// every start of the helper, which runs for every pod and container, about a third slower.
#include "plugins/runtime/oci/helper/unpack.h"

#include <iostream>

int main(int argc, char* argv[]) {
  if (argc != 2) {
    std::cerr << "usage: hostlet-oci-unpack ROOTFS < layer\n";
    return 2;
  }
  return hostlet::oci::helper::Unpack(argv[1]);
}
