// hostlet-runtime reads a bundle's config.json, which comes from whoever made the bundle: any
// bytes must give a spec (and its seccomp filter) or a SpecError naming what is wrong, never a
// crash or another exception.
#include "plugins/runtime/native/seccomp_filter.h"
#include "plugins/runtime/native/spec.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json config =
      nlohmann::json::parse(reinterpret_cast<const char*>(data),
                            reinterpret_cast<const char*>(data) + size, nullptr, false);
  if (config.is_discarded()) return 0;
  try {
    hostlet::native::Spec spec = hostlet::native::ParseSpec(config, "/bundle");
    if (!spec.seccomp.is_null()) hostlet::native::SeccompFilter filter(spec.seccomp);
  } catch (const hostlet::native::SpecError&) {
    // Refused with a reason: what the runtime prints.
  }
  return 0;
}

std::vector<std::string> FuzzSeeds() {
  return {
      R"({"ociVersion":"1.0.2","process":{"terminal":false,"user":{"uid":0,"gid":0,"additionalGids":[5]},
        "args":["sh"],"env":["PATH=/bin"],"cwd":"/","capabilities":{"bounding":["CAP_KILL"],
        "effective":["CAP_KILL"],"permitted":["CAP_KILL"],"ambient":["CAP_KILL"]},"noNewPrivileges":true,
        "oomScoreAdj":100,"rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}]},
        "root":{"path":"rootfs","readonly":true},"hostname":"h",
        "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
          {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755"]},
          {"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup","options":["ro"]},
          {"destination":"/data","type":"bind","source":"/srv","options":["rbind","rslave","ro"]}],
        "linux":{"namespaces":[{"type":"pid"},{"type":"mount"},{"type":"network","path":"/run/netns/x"}],
          "cgroupsPath":"/pods/c1","resources":{"memory":{"limit":1048576},"cpu":{"shares":2},
          "devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":3,"access":"rwm"}]},
          "devices":[{"path":"/dev/fuse","type":"c","major":10,"minor":229,"fileMode":438}],
          "maskedPaths":["/proc/kcore"],"readonlyPaths":["/proc/sys"],"sysctl":{"net.ipv4.ip_forward":"1"},
          "rootfsPropagation":"rprivate",
          "seccomp":{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],
            "syscalls":[{"names":["mount","unshare"],"action":"SCMP_ACT_ERRNO","errnoRet":1},
              {"names":["personality"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":8,"op":"SCMP_CMP_NE"}]}]}}})",
      R"({"process":{"args":["true"]},"root":{"path":"/r"},"linux":{"namespaces":[{"type":"mount"}]}})",
      R"({"process":{"args":["x"],"terminal":true},"root":{"path":"r"},"linux":{"namespaces":"mount"}})",
  };
}
