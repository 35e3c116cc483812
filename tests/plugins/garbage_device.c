/* A device plugin written in plain C against abi.h alone, which answers every call with bytes
 * that are not a protobuf message, and every stream with one such message. */
#include <hostlet/abi.h>

#include <stdlib.h>

struct hostlet_instance {
  int unused;
};

static const uint8_t kGarbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02};

static int32_t Create(const char *config, size_t size, const hostlet_host *host,
                      hostlet_instance **out, const hostlet_reply *error) {
  (void)config;
  (void)size;
  (void)error;
  if (host->log != NULL) host->log(host->host_ctx, HOSTLET_LOG_INFO, "garbage device created");
  *out = calloc(1, sizeof(hostlet_instance));
  return 0;
}

static int32_t Call(hostlet_instance *instance, const char *method, const uint8_t *request,
                    size_t size, const hostlet_reply *reply) {
  (void)instance;
  (void)method;
  (void)request;
  (void)size;
  reply->set_response(reply->host_ctx, kGarbage, sizeof(kGarbage));
  return 0;
}

static int32_t CallStream(hostlet_instance *instance, const char *method, const uint8_t *request,
                          size_t size, const hostlet_stream *stream, const hostlet_reply *reply) {
  (void)instance;
  (void)method;
  (void)request;
  (void)size;
  (void)reply;
  stream->write(stream->host_ctx, kGarbage, sizeof(kGarbage));
  return 0;
}

static void Destroy(hostlet_instance *instance) { free(instance); }

static const hostlet_plugin_vtable kVtable = {sizeof(hostlet_plugin_vtable), Create, Call,
                                              CallStream, Destroy};
static const hostlet_plugin_descriptor kDescriptor = {
    HOSTLET_ABI_MAJOR, HOSTLET_ABI_MINOR, sizeof(hostlet_plugin_descriptor), HOSTLET_KIND_DEVICE,
    "garbage-device", "0.0.1", "answers with garbage", &kVtable};

__attribute__((visibility("default"), section(HOSTLET_MANIFEST_SECTION), used))
const hostlet_manifest hostlet_plugin_manifest = {
    {'H', 'O', 'S', 'T', 'L', 'E', 'T', '1'}, HOSTLET_ABI_MAJOR, HOSTLET_ABI_MINOR,
    HOSTLET_KIND_DEVICE, "garbage-device", "0.0.1"};

__attribute__((visibility("default"))) const hostlet_plugin_descriptor *hostlet_plugin_entry(void) {
  return &kDescriptor;
}
