/* A module built for a future ABI major version: the host must refuse it from its manifest,
 * before running any of its code. Its entry aborts to prove that. */
#include <hostlet/abi.h>

#include <stdlib.h>

__attribute__((visibility("default"), section(HOSTLET_MANIFEST_SECTION), used))
const hostlet_manifest hostlet_plugin_manifest = {
    {'H', 'O', 'S', 'T', 'L', 'E', 'T', '1'}, HOSTLET_ABI_MAJOR + 1, 0, HOSTLET_KIND_DEVICE,
    "future-device", "9.0.0"};

__attribute__((constructor)) static void RunsCode(void) { abort(); }

__attribute__((visibility("default"))) const hostlet_plugin_descriptor *hostlet_plugin_entry(void) {
  abort();
}
