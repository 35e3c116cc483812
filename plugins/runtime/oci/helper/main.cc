// hostlet-oci-helper: the OCI runtime module's work that must run in a process of its own, per
// pod or container (so it links nothing it does not need; unpacking is hostlet-oci-unpack's).
//   pin-namespaces DIR HOSTNAME NET IPC  create and pin a pod's namespaces
//   monitor RUNTIME ROOT ID BUNDLE LOG EXITFILE MEMCGROUP   run a container and own its stdio
#include "plugins/runtime/oci/helper/monitor.h"
#include "plugins/runtime/oci/helper/namespaces.h"

#include <iostream>
#include <string>

int main(int argc, char* argv[]) {
  std::string command = argc > 1 ? argv[1] : "";
  if (command == "pin-namespaces" && argc == 6) {
    return hostlet::oci::helper::PinNamespaces(argv[2], argv[3], std::string(argv[4]) == "1",
                                               std::string(argv[5]) == "1");
  }
  if (command == "monitor" && argc == 9) {
    return hostlet::oci::helper::Monitor({argv[2], argv[3], argv[4], argv[5], argv[6], argv[7], argv[8]});
  }
  std::cerr << "usage: hostlet-oci-helper pin-namespaces DIR HOSTNAME NET(0|1) IPC(0|1)\n"
               "       hostlet-oci-helper monitor RUNTIME ROOT ID BUNDLE LOG EXITFILE MEMCGROUP\n";
  return 2;
}
