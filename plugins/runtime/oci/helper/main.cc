// hostlet-oci-helper: the OCI runtime module's work that must run in a process of its own.
//   unpack ROOTFS     apply the image layer on stdin to ROOTFS, chrooted into it
#include "plugins/runtime/oci/helper/unpack.h"

#include <iostream>
#include <string>

int main(int argc, char* argv[]) {
  std::string command = argc > 1 ? argv[1] : "";
  if (command == "unpack" && argc == 3) return hostlet::oci::helper::Unpack(argv[2]);
  std::cerr << "usage: hostlet-oci-helper unpack ROOTFS < layer\n";
  return 2;
}
