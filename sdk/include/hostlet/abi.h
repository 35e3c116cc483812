/*
 * hostlet plugin ABI, version 1.
 *
 * The whole contract between the hostlet node agent (the host) and a plugin module (a shared
 * library). Pure C, so a module built by any compiler, or written in C or Rust, can be loaded.
 *
 * A module exports one symbol, HOSTLET_ENTRY_SYMBOL, a function returning a pointer to a const
 * hostlet_plugin_descriptor. The host reads abi_major, abi_minor and struct_size first and refuses
 * a module whose major version differs or whose descriptor is smaller than it needs; it calls
 * nothing else before that check.
 *
 * Payloads are the serialized protobuf messages of the official APIs (CRI runtime.v1, CSI csi.v1,
 * device plugin v1beta1); method names are gRPC paths such as "/v1beta1.DevicePlugin/Allocate".
 * Network modules speak the CNI specification's JSON instead (see HOSTLET_CNI_* below).
 *
 * Conventions, for every function here:
 * - Strings are UTF-8 and NUL-terminated unless a length is passed with them.
 * - A pointer passed into a call is owned by the caller and valid only for the duration of that
 *   call, unless the function says otherwise. Nothing allocated on one side is freed on the
 *   other: results travel through callbacks that copy what they need.
 * - Status codes are the canonical gRPC codes (0 OK, 2 UNKNOWN, 3 INVALID_ARGUMENT,
 *   12 UNIMPLEMENTED, 13 INTERNAL, ...).
 * - Published structs never change shape within a major version; a minor version may append
 *   fields, which is why each struct carries its size.
 */
#ifndef HOSTLET_ABI_H
#define HOSTLET_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HOSTLET_ABI_MAJOR 1u
#define HOSTLET_ABI_MINOR 0u

/* The one symbol a module exports, and the ELF section its manifest is placed in. */
#define HOSTLET_ENTRY_SYMBOL "hostlet_plugin_entry"
#define HOSTLET_MANIFEST_SECTION "hostlet_plugins"

typedef enum hostlet_kind {
  HOSTLET_KIND_RUNTIME = 1, /* CRI runtime.v1 RuntimeService + ImageService */
  HOSTLET_KIND_NETWORK = 2, /* CNI spec 1.x: ADD, DEL, CHECK, STATUS, GC, VERSION */
  HOSTLET_KIND_STORAGE = 3, /* CSI csi.v1 Identity + Controller + Node */
  HOSTLET_KIND_DEVICE = 4   /* device plugin v1beta1 DevicePlugin */
} hostlet_kind;

typedef enum hostlet_log_level {
  HOSTLET_LOG_DEBUG = 0,
  HOSTLET_LOG_INFO = 1,
  HOSTLET_LOG_WARNING = 2,
  HOSTLET_LOG_ERROR = 3
} hostlet_log_level;

/* Opaque plugin instance, created by the module's create() and owned by the host until it hands
 * it back to destroy(). */
typedef struct hostlet_instance hostlet_instance;

/* Where a call's outcome goes. Owned by the host; the module calls these on the thread that made
 * the call, before the call returns, at most once each. Data is copied before they return. */
typedef struct hostlet_reply {
  void *host_ctx;
  void (*set_response)(void *host_ctx, const uint8_t *data, size_t size);
  void (*set_error)(void *host_ctx, int32_t code, const char *message);
} hostlet_reply;

/* The receiving end of a server-streaming call. Owned by the host and valid until call_stream
 * returns. */
typedef struct hostlet_stream {
  void *host_ctx;
  /* Module -> host, on the thread that called call_stream, once per message. The data is copied
   * before it returns. Returns 0 to go on; non-zero once the stream is cancelled or broken, after
   * which the module must return from call_stream promptly. */
  int32_t (*write)(void *host_ctx, const uint8_t *data, size_t size);
  /* Module -> host, any thread: non-zero once the host has cancelled the stream. */
  int32_t (*is_cancelled)(void *host_ctx);
  /* Module -> host, any thread, at most once per stream: registers a function the host calls,
   * from the thread that cancels, when it cancels; a module blocked waiting for events uses it to
   * wake up. If the stream is already cancelled it is called before this returns. on_cancel must
   * not block, and module_ctx must stay valid until call_stream returns. */
  void (*set_cancel_callback)(void *host_ctx, void (*on_cancel)(void *module_ctx),
                              void *module_ctx);
} hostlet_stream;

/* Services the host offers a module. Owned by the host; valid from create() until destroy()
 * returns, and callable from any thread. */
typedef struct hostlet_host {
  uint32_t struct_size;
  void *host_ctx;
  void (*log)(void *host_ctx, hostlet_log_level level, const char *message);
  /* Optional host services by versioned id (e.g. HOSTLET_SERVICE_NETWORK). Returns NULL when the
   * host does not offer it; the returned struct lives as long as this hostlet_host. */
  const void *(*get_service)(void *host_ctx, const char *service_id);
} hostlet_host;

/* Host service for runtime modules: attach and detach pod sandboxes to the node's network, which
 * runs the configured CNI chain. method is "ADD", "DEL" or "CHECK" with the request a JSON object
 * {"containerID","netns","ifName","podNamespace","podName","podUID","portMappings":[...]} and
 * the response the CNI result JSON; or "STATUS" (request "{}") answering whether the network can
 * take pods now, failing with the spec's error JSON when it cannot. */
#define HOSTLET_SERVICE_NETWORK "hostlet.network.v1"
typedef struct hostlet_network_service {
  uint32_t struct_size;
  void *host_ctx;
  int32_t (*call)(void *host_ctx, const char *method, const uint8_t *request, size_t request_size,
                  const hostlet_reply *reply);
} hostlet_network_service;

/* Network modules: method is one of these, the request a JSON object
 * {"containerID","netns","ifName","args","path","config":{...network configuration...}}
 * (the CNI_* environment plus the configuration the spec passes on stdin), and the response
 * the spec's result JSON. On failure, set_error's message is the spec's error JSON
 * {"cniVersion","code","msg","details"}. */
#define HOSTLET_CNI_ADD "ADD"
#define HOSTLET_CNI_DEL "DEL"
#define HOSTLET_CNI_CHECK "CHECK"
#define HOSTLET_CNI_STATUS "STATUS"
#define HOSTLET_CNI_GC "GC"
#define HOSTLET_CNI_VERSION "VERSION"

typedef struct hostlet_plugin_vtable {
  uint32_t struct_size;
  /* Any thread, any number of times. config_json (config_size bytes, not NUL-terminated) is the
   * instance's configuration. On success stores the instance in *out and returns 0; otherwise
   * returns a status code and reports why through error. host stays valid until destroy(). */
  int32_t (*create)(const char *config_json, size_t config_size, const hostlet_host *host,
                    hostlet_instance **out, const hostlet_reply *error);
  /* Any thread, concurrently with other calls on the same instance. Unary call: the response
   * goes to reply->set_response, a failure to reply->set_error; returns the status code. */
  int32_t (*call)(hostlet_instance *instance, const char *method, const uint8_t *request,
                  size_t request_size, const hostlet_reply *reply);
  /* Any thread, concurrently with other calls. Blocks the calling thread for the life of a
   * server-streaming call, handing each message to stream->write; the final status is returned
   * and, when not OK, reported through reply->set_error. */
  int32_t (*call_stream)(hostlet_instance *instance, const char *method, const uint8_t *request,
                         size_t request_size, const hostlet_stream *stream,
                         const hostlet_reply *reply);
  /* Once per instance, after every call on it has returned. */
  void (*destroy)(hostlet_instance *instance);
} hostlet_plugin_vtable;

typedef struct hostlet_plugin_descriptor {
  uint32_t abi_major;
  uint32_t abi_minor;
  uint32_t struct_size; /* sizeof(hostlet_plugin_descriptor) as the module was built */
  uint32_t kind;        /* a hostlet_kind */
  const char *name;     /* e.g. "sample-device"; [a-z0-9.-]+ */
  const char *version;  /* the module's own version, e.g. "1.2.0" */
  const char *description;
  const hostlet_plugin_vtable *vtable;
} hostlet_plugin_descriptor;

/* The manifest, a plain record without pointers placed in the HOSTLET_MANIFEST_SECTION section,
 * so tools can list a file's plugin by reading the file without running any of its code. */
#define HOSTLET_MANIFEST_MAGIC "HOSTLET1"
typedef struct hostlet_manifest {
  char magic[8]; /* HOSTLET_MANIFEST_MAGIC, not NUL-terminated */
  uint32_t abi_major;
  uint32_t abi_minor;
  uint32_t kind;
  char name[64];
  char version[32];
} hostlet_manifest;

/* Type of the entry symbol. Any thread; returns the same pointer every time; the descriptor
 * lives as long as the library stays loaded. */
typedef const hostlet_plugin_descriptor *(*hostlet_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* HOSTLET_ABI_H */
