// The config.toml of a private containerd (Debian's 1.6), as the CRI tests and the node bench
// start one: nothing of the host's containerd is shared.
#pragma once

#include <filesystem>
#include <sstream>
#include <string>

namespace hostlet::testing {

// Root, state and every socket under `work`; the CRI plugin on runc (cgroupfs) with the CNI
// configurations of `cni_conf_dir` run by the reference plugins in /usr/lib/cni, `sandbox_image`
// as its pause image and oom_score_adj clamped to what the caller may set. `cri_settings` are
// more lines of the CRI plugin's own table; tables under it (registry mirrors, runtime options)
// may be appended to what this returns.
inline std::string ContainerdConfig(const std::filesystem::path& work,
                                    const std::string& sandbox_image,
                                    const std::filesystem::path& cni_conf_dir,
                                    const std::string& cri_settings = "") {
  std::ostringstream config;
  config << "version = 2\n"
         << "root = \"" << (work / "root").string() << "\"\n"
         << "state = \"" << (work / "state").string() << "\"\n"
         << "disabled_plugins = [\"io.containerd.snapshotter.v1.aufs\", "
            "\"io.containerd.snapshotter.v1.btrfs\", \"io.containerd.snapshotter.v1.zfs\", "
            "\"io.containerd.snapshotter.v1.devmapper\"]\n"
         << "[grpc]\n  address = \"" << (work / "containerd.sock").string() << "\"\n"
         << "[ttrpc]\n  address = \"" << (work / "containerd.sock.ttrpc").string() << "\"\n"
         << "[debug]\n  address = \"" << (work / "debug.sock").string() << "\"\n"
         << "[plugins.\"io.containerd.internal.v1.opt\"]\n"
         << "  path = \"" << (work / "opt").string() << "\"\n"
         << "[plugins.\"io.containerd.grpc.v1.cri\"]\n"
         << "  sandbox_image = \"" << sandbox_image << "\"\n"
         << "  restrict_oom_score_adj = true\n"
         << cri_settings << "  [plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
         << "    bin_dir = \"/usr/lib/cni\"\n"
         << "    conf_dir = \"" << cni_conf_dir.string() << "\"\n"
         << "  [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
         << "    snapshotter = \"overlayfs\"\n"
         << "    default_runtime_name = \"runc\"\n"
         << "    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
         << "      runtime_type = \"io.containerd.runc.v2\"\n";
  return config.str();
}

}  // namespace hostlet::testing
