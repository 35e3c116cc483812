// Registers the OCI runtime module.
#include "plugins/runtime/oci/oci_runtime.h"

HOSTLET_PLUGIN(hostlet::oci::OciRuntime, "oci", "0.1.0", "CRI runtime on runc/crun with an image store")
