/* A manifest without the entry symbol, as a module whose export macro was left out would be. */
#include <hostlet/abi.h>

__attribute__((visibility("default"), section(HOSTLET_MANIFEST_SECTION), used))
const hostlet_manifest hostlet_plugin_manifest = {
    {'H', 'O', 'S', 'T', 'L', 'E', 'T', '1'}, HOSTLET_ABI_MAJOR, HOSTLET_ABI_MINOR,
    HOSTLET_KIND_DEVICE, "entryless-device", "0.0.1"};
