#include "plugins/runtime/native/sealed_self.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

extern char** environ;

namespace hostlet::native {
namespace {

constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
#ifdef MFD_EXEC
constexpr unsigned kMfdExec = MFD_EXEC;
#else
constexpr unsigned kMfdExec = 0x0010U;
#endif

bool RunningFromSealedCopy() {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) return false;
  int seals = fcntl(self, F_GET_SEALS);
  close(self);
  return seals >= 0 && (seals & kSeals) == kSeals;
}

}  // namespace

bool ReexecFromSealedCopy(char* argv[]) {
  if (RunningFromSealedCopy()) return true;
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) return false;
  struct stat info {};
  // Where vm.memfd_noexec is set, a memfd is executable only when made with MFD_EXEC (which
  // kernels before 6.3 do not know, and refuse).
  int copy = memfd_create("hostlet-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING | kMfdExec);
  if (copy < 0 && errno == EINVAL)
    copy = memfd_create("hostlet-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  bool copied = copy >= 0 && fstat(self, &info) == 0;
  off_t offset = 0;
  while (copied && offset < info.st_size) {
    ssize_t sent = sendfile(copy, self, &offset, static_cast<size_t>(info.st_size - offset));
    if (sent <= 0) copied = false;
  }
  int error = errno;
  close(self);
  if (copied) {
    if (fcntl(copy, F_ADD_SEALS, kSeals) == 0) fexecve(copy, argv, environ);
    error = errno;
  }
  if (copy >= 0) close(copy);
  errno = error != 0 ? error : EIO;
  return false;
}

}  // namespace hostlet::native
