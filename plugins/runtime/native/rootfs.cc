#include "plugins/runtime/native/rootfs.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace hostlet::native {
namespace {

std::string Failed(const std::string& what) { return what + ": " + std::strerror(errno); }

// Opens `path` as seen from `root` (an O_PATH directory), resolving every symlink and ".." inside
// that root, so a hostile image cannot point a mount outside its own file system.
// `also` adds resolve flags (RESOLVE_NO_XDEV: no crossing into another mount).
int OpenInRoot(int root, const std::string& path, int flags = O_PATH, uint64_t also = 0) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | also;
  std::string relative = path.substr(
      path.find_first_not_of('/') == std::string::npos ? path.size() : path.find_first_not_of('/'));
  if (relative.empty()) relative = ".";
  return static_cast<int>(syscall(SYS_openat2, root, relative.c_str(), &how, sizeof(how)));
}

// As OpenInRoot, creating what is missing: directories on the way, and the last component as a
// directory or (for a mount of a file) an empty file.
int CreateInRoot(int root, const std::string& path, bool as_file, uint64_t also = 0) {
  int fd = OpenInRoot(root, path, O_PATH, also);
  if (fd >= 0 || errno != ENOENT) return fd;
  std::filesystem::path walked;
  std::filesystem::path target = std::filesystem::path(path).relative_path();
  size_t parts = static_cast<size_t>(std::distance(target.begin(), target.end()));
  size_t index = 0;
  for (const auto& part : target) {
    ++index;
    std::filesystem::path next = walked / part;
    int existing = OpenInRoot(root, next.string(), O_PATH, also);
    if (existing >= 0) {
      close(existing);
      walked = next;
      continue;
    }
    if (errno != ENOENT) return -1;
    int parent =
        OpenInRoot(root, walked.empty() ? "/" : walked.string(), O_PATH | O_DIRECTORY, also);
    if (parent < 0) return -1;
    int made;
    if (index == parts && as_file) {
      made =
          openat(parent, part.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (made >= 0) close(made);
    } else {
      made = mkdirat(parent, part.c_str(), 0755);
    }
    int error = errno;
    close(parent);
    if (made < 0 && error != EEXIST) {
      errno = error;
      return -1;
    }
    walked = next;
  }
  return OpenInRoot(root, path, O_PATH, also);
}

std::string FdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// The flags a read-only (or otherwise changed) bind remount must keep: the kernel refuses to
// clear nosuid/nodev/noexec that the mount already has in some cases, and they never hurt.
unsigned long KeptFlags(const std::string& target) {
  struct statvfs info {};
  if (statvfs(target.c_str(), &info) != 0) return 0;
  unsigned long kept = 0;
  if (info.f_flag & ST_NOSUID) kept |= MS_NOSUID;
  if (info.f_flag & ST_NODEV) kept |= MS_NODEV;
  if (info.f_flag & ST_NOEXEC) kept |= MS_NOEXEC;
  return kept;
}

// Changes the flags of the mount at `target` (a path that reaches the mount itself, not what it
// covers).
std::string Remount(const std::string& target, const std::string& what, unsigned long flags) {
  unsigned long changed = flags & ~(MS_REC | MS_REMOUNT);
  if (changed == 0) return "";
  if (mount(nullptr, target.c_str(), nullptr, MS_BIND | MS_REMOUNT | changed | KeptFlags(target),
            nullptr) != 0) {
    return Failed("remounting " + what);
  }
  return "";
}

// A bind mount by plain paths, for use once "/" is the container's root.
std::string BindMount(const std::string& source, const std::string& target, unsigned long flags) {
  if (mount(source.c_str(), target.c_str(), nullptr, MS_BIND | (flags & MS_REC), nullptr) != 0) {
    return Failed("bind-mounting " + source);
  }
  return Remount(target, source, flags);
}

// Mounts with `mount_at` on `destination` inside the root, then applies what needs the new
// mount itself (flag changes, propagation) through a handle opened after mounting: the handle
// of the mount point still names the directory underneath.
template <typename MountAt>
std::string MountInRoot(int root, const std::string& destination, bool as_file, MountAt mount_at,
                        unsigned long remount_flags, unsigned long propagation) {
  int point = CreateInRoot(root, destination, as_file);
  if (point < 0) return Failed("creating the mount point " + destination);
  std::string error = mount_at(FdPath(point));
  close(point);
  if (!error.empty() || ((remount_flags & ~(MS_REC | MS_REMOUNT)) == 0 && propagation == 0))
    return error;
  int mounted = OpenInRoot(root, destination);
  if (mounted < 0) return Failed("opening the new mount at " + destination);
  error = Remount(FdPath(mounted), destination, remount_flags);
  if (error.empty() && propagation != 0 &&
      mount(nullptr, FdPath(mounted).c_str(), nullptr, propagation, nullptr) != 0) {
    error = Failed("setting the propagation of " + destination);
  }
  close(mounted);
  return error;
}

// A "cgroup" mount on a v1 host, as runc makes it: a tmpfs with, for each hierarchy, the
// container's own cgroup directory bound in under the hierarchy's name.
std::string MountCgroups(int root, const MountSpec& mount_spec, const ContainerCgroup& cgroup) {
  const unsigned long flags = (mount_spec.flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  std::string error = MountInRoot(
      root, mount_spec.destination, false,
      [&](const std::string& target) {
        return mount("tmpfs", target.c_str(), "tmpfs", flags, "mode=755") == 0
                   ? ""
                   : Failed("mounting a tmpfs at " + mount_spec.destination);
      },
      0, 0);
  if (!error.empty()) return error;
  for (const auto& hierarchy : Hierarchies()) {
    std::string name = std::filesystem::path(hierarchy.mount_point).filename();
    std::string source = cgroup.DirIn(hierarchy);
    error = MountInRoot(
        root, mount_spec.destination + "/" + name, false,
        [&](const std::string& target) {
          return mount(source.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) == 0
                     ? ""
                     : Failed("bind-mounting " + source);
        },
        flags | (mount_spec.flags & MS_RDONLY), 0);
    if (!error.empty()) return error;
    // A hierarchy of several controllers ("cpu,cpuacct") is reached by each one's name too.
    if (name.find(',') != std::string::npos) {
      int dir = OpenInRoot(root, mount_spec.destination, O_PATH | O_DIRECTORY);
      for (const auto& controller : hierarchy.controllers)
        symlinkat(name.c_str(), dir, controller.c_str());
      if (dir >= 0) close(dir);
    }
  }
  if (mount_spec.flags & MS_RDONLY) {
    int mounted = OpenInRoot(root, mount_spec.destination);
    if (mounted < 0) return Failed("opening " + mount_spec.destination);
    int made =
        mount(nullptr, FdPath(mounted).c_str(), nullptr, MS_REMOUNT | MS_RDONLY | flags, nullptr);
    close(mounted);
    if (made != 0) return Failed("making " + mount_spec.destination + " read-only");
  }
  return "";
}

std::string MountOne(int root, const MountSpec& mount_spec, const ContainerCgroup& cgroup) {
  if (mount_spec.type == "cgroup") return MountCgroups(root, mount_spec, cgroup);
  if (mount_spec.bind) {
    struct stat info {};
    if (stat(mount_spec.source.c_str(), &info) != 0)
      return Failed("mount source " + mount_spec.source);
    return MountInRoot(
        root, mount_spec.destination, !S_ISDIR(info.st_mode),
        [&](const std::string& target) {
          return mount(mount_spec.source.c_str(), target.c_str(), nullptr,
                       MS_BIND | (mount_spec.flags & MS_REC), nullptr) == 0
                     ? ""
                     : Failed("bind-mounting " + mount_spec.source);
        },
        mount_spec.flags, mount_spec.propagation);
  }
  return MountInRoot(
      root, mount_spec.destination, false,
      [&](const std::string& target) {
        return mount(mount_spec.source.c_str(), target.c_str(), mount_spec.type.c_str(),
                     mount_spec.flags & ~MS_REC,
                     mount_spec.data.empty() ? nullptr : mount_spec.data.c_str()) == 0
                   ? ""
                   : Failed("mounting " + mount_spec.type + " at " + mount_spec.destination);
      },
      0, mount_spec.propagation);
}

struct DefaultDevice {
  const char* name;
  int major;
  int minor;
};

// Makes a device node below `dev` (the container's /dev, opened), never crossing into another
// mount on the way or leaving /dev through a link.
std::string MakeDevice(int dev, const DeviceSpec& device) {
  std::filesystem::path path = device.path.substr(std::string("/dev/").size());
  int parent = CreateInRoot(dev, path.parent_path().string(), false, RESOLVE_NO_XDEV);
  if (parent < 0) return Failed("creating the directory of the device " + device.path);
  mode_t type = device.type == 'b' ? S_IFBLK : device.type == 'p' ? S_IFIFO : S_IFCHR;
  unlinkat(parent, path.filename().c_str(), 0);
  int made =
      mknodat(parent, path.filename().c_str(), type | (device.file_mode & 07777),
              makedev(static_cast<unsigned>(device.major), static_cast<unsigned>(device.minor)));
  if (made == 0)
    made = fchownat(parent, path.filename().c_str(), device.uid, device.gid, AT_SYMLINK_NOFOLLOW);
  int error = errno;
  close(parent);
  errno = error;
  return made == 0 ? "" : Failed("creating the device " + device.path);
}

// A spec's device goes into the container's own /dev (a file system mounted for it, not bound
// from the host) and into no directory bound in below it: there it would replace a host's file.
// Without a /dev mount the image's /dev directory is the container's own.
std::string DeviceMayBeMade(const Spec& spec, const DeviceSpec& device, bool own_dev) {
  for (const auto& mount_spec : spec.mounts) {
    const std::string& at = mount_spec.destination;
    bool below = device.path == at || device.path.starts_with(at == "/" ? at : at + "/");
    if (!below || (at == "/dev" && own_dev)) continue;
    if (mount_spec.bind || at == "/dev") {
      return "the device " + device.path + " would be made in " + at +
             ", which is not the container's own";
    }
  }
  return "";
}

// The nodes and links every container's own /dev has.
std::string PopulateDev(int dev) {
  static const DefaultDevice kDefaults[] = {{"/dev/null", 1, 3},    {"/dev/zero", 1, 5},
                                            {"/dev/full", 1, 7},    {"/dev/random", 1, 8},
                                            {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0}};
  for (const auto& device : kDefaults) {
    std::string error = MakeDevice(dev, {device.name, 'c', device.major, device.minor, 0666, 0, 0});
    if (!error.empty()) return error;
  }
  const std::pair<const char*, const char*> kLinks[] = {{"/proc/self/fd", "fd"},
                                                        {"/proc/self/fd/0", "stdin"},
                                                        {"/proc/self/fd/1", "stdout"},
                                                        {"/proc/self/fd/2", "stderr"},
                                                        {"pts/ptmx", "ptmx"}};
  for (const auto& [target, name] : kLinks) {
    if (symlinkat(target, dev, name) != 0 && errno != EEXIST) {
      return Failed(std::string("linking /dev/") + name);
    }
  }
  return "";
}

// /dev's nodes: the defaults in a /dev of the container's own, and the spec's devices.
std::string MakeDevices(int root, const Spec& spec, bool own_dev) {
  for (const auto& device : spec.devices) {
    std::string refused = DeviceMayBeMade(spec, device, own_dev);
    if (!refused.empty()) return refused;
  }
  int dev = CreateInRoot(root, "/dev", false);
  if (dev < 0) return Failed("opening /dev");
  // Without a /dev mount the image's /dev must be a directory of the image itself, not one that
  // a link leads to on some other mount.
  struct stat dev_info {
  }, root_info{};
  if (!own_dev && (fstat(dev, &dev_info) != 0 || fstat(root, &root_info) != 0 ||
                   dev_info.st_dev != root_info.st_dev)) {
    close(dev);
    return "the image's /dev is not on its own file system; devices are not made there";
  }
  mode_t old_mask = umask(0);
  std::string error = own_dev ? PopulateDev(dev) : "";
  for (const auto& device : spec.devices) {
    if (!error.empty()) break;
    error = MakeDevice(dev, device);
  }
  umask(old_mask);
  close(dev);
  return error;
}

}  // namespace

std::string PrepareRoot(const Spec& spec, const ContainerCgroup& cgroup) {
  unsigned long propagation =
      spec.rootfs_propagation != 0 ? spec.rootfs_propagation : MS_SLAVE | MS_REC;
  // Nothing done below may reach the host's mount table: the new namespace stops receiving
  // (or sending) events as the spec's propagation says, private in the usual case.
  if (mount(nullptr, "/", nullptr, propagation, nullptr) != 0)
    return Failed("setting the propagation of /");
  const std::string rootfs = spec.rootfs.string();
  if (mount(rootfs.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
    return Failed("bind-mounting the root file system " + rootfs);
  }
  int root = open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return Failed("opening the root file system " + rootfs);
  bool own_dev = false;
  for (const auto& mount_spec : spec.mounts) {
    std::string error = MountOne(root, mount_spec, cgroup);
    if (!error.empty()) return error;
    if (mount_spec.destination == "/dev") own_dev = !mount_spec.bind;
  }
  if (own_dev || !spec.devices.empty()) {
    std::string error = MakeDevices(root, spec, own_dev);
    if (!error.empty()) return error;
  }
  if (fchdir(root) != 0) return Failed("entering the root file system");
  close(root);
  // pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves only
  // the container's root, with no directory needed for the old one.
  if (syscall(SYS_pivot_root, ".", ".") != 0) return Failed("pivot_root");
  if (umount2(".", MNT_DETACH) != 0) return Failed("detaching the host's root");
  if (chdir("/") != 0) return Failed("chdir /");
  return "";
}

std::string FinishRoot(const Spec& spec) {
  for (const auto& path : spec.masked_paths) {
    struct stat info {};
    if (stat(path.c_str(), &info) != 0) continue;  // nothing there to hide
    int masked = S_ISDIR(info.st_mode)
                     ? mount("tmpfs", path.c_str(), "tmpfs", MS_RDONLY, "size=0")
                     : mount("/dev/null", path.c_str(), nullptr, MS_BIND, nullptr);
    if (masked != 0) return Failed("masking " + path);
  }
  for (const auto& path : spec.readonly_paths) {
    if (access(path.c_str(), F_OK) != 0) continue;
    std::string error = BindMount(path, path, MS_REC | MS_RDONLY);
    if (!error.empty()) return error;
  }
  if (spec.rootfs_propagation != 0 &&
      mount(nullptr, "/", nullptr, spec.rootfs_propagation, nullptr) != 0) {
    return Failed("setting the root's propagation");
  }
  if (spec.readonly_rootfs &&
      mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | KeptFlags("/"), nullptr) !=
          0) {
    return Failed("making the root file system read-only");
  }
  return "";
}

}  // namespace hostlet::native
