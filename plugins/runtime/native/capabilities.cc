#include "plugins/runtime/native/capabilities.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <map>

namespace hostlet::native {
namespace {

const std::map<std::string, int>& Names() {
  static const std::map<std::string, int> names = {
      {"CAP_CHOWN", CAP_CHOWN},
      {"CAP_DAC_OVERRIDE", CAP_DAC_OVERRIDE},
      {"CAP_DAC_READ_SEARCH", CAP_DAC_READ_SEARCH},
      {"CAP_FOWNER", CAP_FOWNER},
      {"CAP_FSETID", CAP_FSETID},
      {"CAP_KILL", CAP_KILL},
      {"CAP_SETGID", CAP_SETGID},
      {"CAP_SETUID", CAP_SETUID},
      {"CAP_SETPCAP", CAP_SETPCAP},
      {"CAP_LINUX_IMMUTABLE", CAP_LINUX_IMMUTABLE},
      {"CAP_NET_BIND_SERVICE", CAP_NET_BIND_SERVICE},
      {"CAP_NET_BROADCAST", CAP_NET_BROADCAST},
      {"CAP_NET_ADMIN", CAP_NET_ADMIN},
      {"CAP_NET_RAW", CAP_NET_RAW},
      {"CAP_IPC_LOCK", CAP_IPC_LOCK},
      {"CAP_IPC_OWNER", CAP_IPC_OWNER},
      {"CAP_SYS_MODULE", CAP_SYS_MODULE},
      {"CAP_SYS_RAWIO", CAP_SYS_RAWIO},
      {"CAP_SYS_CHROOT", CAP_SYS_CHROOT},
      {"CAP_SYS_PTRACE", CAP_SYS_PTRACE},
      {"CAP_SYS_PACCT", CAP_SYS_PACCT},
      {"CAP_SYS_ADMIN", CAP_SYS_ADMIN},
      {"CAP_SYS_BOOT", CAP_SYS_BOOT},
      {"CAP_SYS_NICE", CAP_SYS_NICE},
      {"CAP_SYS_RESOURCE", CAP_SYS_RESOURCE},
      {"CAP_SYS_TIME", CAP_SYS_TIME},
      {"CAP_SYS_TTY_CONFIG", CAP_SYS_TTY_CONFIG},
      {"CAP_MKNOD", CAP_MKNOD},
      {"CAP_LEASE", CAP_LEASE},
      {"CAP_AUDIT_WRITE", CAP_AUDIT_WRITE},
      {"CAP_AUDIT_CONTROL", CAP_AUDIT_CONTROL},
      {"CAP_SETFCAP", CAP_SETFCAP},
      {"CAP_MAC_OVERRIDE", CAP_MAC_OVERRIDE},
      {"CAP_MAC_ADMIN", CAP_MAC_ADMIN},
      {"CAP_SYSLOG", CAP_SYSLOG},
      {"CAP_WAKE_ALARM", CAP_WAKE_ALARM},
      {"CAP_BLOCK_SUSPEND", CAP_BLOCK_SUSPEND},
      {"CAP_AUDIT_READ", CAP_AUDIT_READ},
      {"CAP_PERFMON", CAP_PERFMON},
      {"CAP_BPF", CAP_BPF},
      {"CAP_CHECKPOINT_RESTORE", CAP_CHECKPOINT_RESTORE},
  };
  return names;
}

// The highest capability the running kernel knows, from /proc (older kernels know fewer).
int LastCapability() {
  static const int last = [] {
    FILE* file = fopen("/proc/sys/kernel/cap_last_cap", "re");
    int value = CAP_LAST_CAP;
    if (file) {
      if (fscanf(file, "%d", &value) != 1) value = CAP_LAST_CAP;
      fclose(file);
    }
    return value;
  }();
  return last;
}

bool Contains(const std::vector<int>& set, int cap) {
  for (int member : set) {
    if (member == cap) return true;
  }
  return false;
}

}  // namespace

int CapabilityNumber(const std::string& name) {
  auto found = Names().find(name);
  return found == Names().end() ? -1 : found->second;
}

bool LimitBoundingSet(const CapabilitySets& sets) {
  for (int cap = 0; cap <= LastCapability(); ++cap) {
    if (Contains(sets.bounding, cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) return false;
  }
  return true;
}

bool ApplyCapabilities(const CapabilitySets& sets) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  auto add = [&](const std::vector<int>& set, __u32 __user_cap_data_struct::*field) {
    for (int cap : set) {
      if (cap > LastCapability()) continue;  // unknown to this kernel: nothing to grant
      data[cap / 32].*field |= 1U << (cap % 32);
    }
  };
  add(sets.effective, &__user_cap_data_struct::effective);
  add(sets.permitted, &__user_cap_data_struct::permitted);
  add(sets.inheritable, &__user_cap_data_struct::inheritable);
  if (syscall(SYS_capset, &header, data) != 0) return false;
  // The kernel raises an ambient capability only if it is permitted and inheritable; runc's own
  // default spec names ambient ones without inheritable ones, and runc goes on without them.
  for (int cap : sets.ambient) {
    if (cap > LastCapability() || !Contains(sets.permitted, cap) ||
        !Contains(sets.inheritable, cap))
      continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) return false;
  }
  return true;
}

}  // namespace hostlet::native
