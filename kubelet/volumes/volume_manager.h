// A pod's volumes on this node, laid out as the kubelet lays them out:
//   <pods_dir>/<uid>/volumes/kubernetes.io~empty-dir/<name>     (tmpfs when medium is Memory)
//   <pods_dir>/<uid>/volumes/kubernetes.io~configmap/<name>     (AtomicWriter layout)
//   <pods_dir>/<uid>/volumes/kubernetes.io~secret/<name>
//   <pods_dir>/<uid>/volumes/kubernetes.io~downward-api/<name>
//   <pods_dir>/<uid>/volumes/kubernetes.io~projected/<name>
// hostPath volumes are used in place.
#pragma once

#include "kubelet/volumes/pod_config_error.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace hostlet::agent {

// One bind mount a container gets.
struct HostMount {
  std::string container_path, host_path;
  bool read_only = false;
};

class VolumeManager {
 public:
  VolumeManager(std::filesystem::path pods_dir, ObjectGetter get);  // pods_dir = <rootDir>/pods

  // Makes every volume of the pod ready and returns volume name -> host path. Idempotent: called
  // on every sync, it refreshes configMap/secret/downwardAPI/projected contents atomically (a new
  // version directory, then the "..data" link swapped) and leaves what is current alone.
  // emptyDir: a 0777 directory, a tmpfs (size = sizeLimit when given) for medium "Memory".
  // hostPath: the type checks. configMap/secret: items (key -> path, mode), defaultMode (0644),
  // optional; secret data base64-decoded, configMap data and binaryData. downwardAPI: fieldRef
  // metadata.name/namespace/uid/labels/annotations (maps as sorted key="value" lines).
  // Throws PodConfigError("CreateContainerConfigError", ...) for a missing non-optional object or
  // key, a failed hostPath check or an unsupported volume type
  // (`volume "x": persistentVolumeClaim volumes are not supported yet`); std::runtime_error for
  // the getter's and the filesystem's failures (worth retrying).
  std::map<std::string, std::string> SetUp(const nlohmann::json& pod);

  // The mounts of one container (an entry of spec.containers or spec.initContainers) given
  // SetUp's answer: volumeMounts with mountPath, readOnly and subPath (a relative path inside
  // the volume without "..", made as a directory when missing, and refused if a symlink takes it
  // outside the volume). configMap, secret, downwardAPI and projected volumes are always mounted
  // read-only, as the kubelet mounts them. A mount naming no volume or a bad subPath is a
  // PodConfigError.
  std::vector<HostMount> MountsFor(const nlohmann::json& container,
                                   const std::map<std::string, std::string>& volumes) const;

  // Unmounts whatever is mounted under the pod's directory (deepest first; a lazy detach when a
  // plain unmount is refused) and removes <pods_dir>/<uid> entirely, never following a symlink
  // and never descending into a mount point it could not unmount (that throws instead). Nothing
  // there is fine. Throws std::invalid_argument for a uid that is not a plain name.
  void TearDown(const std::string& uid);

  // The uids that have a directory under pods_dir, to clean up pods nobody wants any more.
  std::vector<std::string> PodDirectories() const;

 private:
  std::filesystem::path VolumeDir(const std::string& uid, const char* plugin,
                                  const std::string& name) const;
  void SetUpEmptyDir(const std::filesystem::path& dir, const std::string& name,
                     const nlohmann::json& source);

  std::filesystem::path pods_dir_;
  ObjectGetter get_;
};

}  // namespace hostlet::agent
