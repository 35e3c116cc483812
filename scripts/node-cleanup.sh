#!/usr/bin/env bash
# Removes what a `make up` node left behind when its pods could not be deleted the normal way
# (the agent had crashed, say): `scripts/node-cleanup.sh RUN_DIR CGROUP_ROOT [OCI_RUNTIME]`.
# Containers are stopped through the OCI runtime's own records under RUN_DIR (runc's, or
# hostlet-runtime's when its path is given), never by process name; only mounts under RUN_DIR,
# the bridges named by RUN_DIR's CNI configs and the cgroups under CGROUP_ROOT go.
set -uo pipefail

run=${1:?usage: node-cleanup.sh RUN_DIR CGROUP_ROOT [OCI_RUNTIME]}
cgroup_root=${2:?usage: node-cleanup.sh RUN_DIR CGROUP_ROOT [OCI_RUNTIME]}
runtime=${3:-runc}
[[ -d "$run" ]] || exit 0
run=$(cd "$run" && pwd -P)

runtime_root=$run/oci-state/runc
if [[ -d "$runtime_root" ]] && command -v "$runtime" >/dev/null; then
  for id in $("$runtime" --root "$runtime_root" list -q 2>/dev/null); do
    "$runtime" --root "$runtime_root" kill "$id" KILL 2>/dev/null
    "$runtime" --root "$runtime_root" delete -f "$id" 2>/dev/null && echo "node-cleanup: removed container $id"
  done
fi

# Mounts under the run directory (overlay roots, pinned namespaces, volumes), deepest first.
awk -v prefix="$run/" '$5 ~ "^"prefix {print $5}' /proc/self/mountinfo | sort -r | while read -r mount; do
  umount "$mount" 2>/dev/null || umount -l "$mount" && echo "node-cleanup: unmounted $mount"
done

# The pod bridges of this node's CNI configs.
for config in "$run"/net.d/*; do
  [[ -f "$config" ]] || continue
  for bridge in $(grep -o '"bridge"[[:space:]]*:[[:space:]]*"[^"]*"' "$config" | sed 's/.*"\([^"]*\)"$/\1/'); do
    if ip link show "$bridge" >/dev/null 2>&1; then
      ip link delete "$bridge" && echo "node-cleanup: deleted bridge $bridge"
    fi
  done
done

# The pods' cgroups, only empty ones, deepest first (rmdir never removes a cgroup in use).
for dir in /sys/fs/cgroup/*"$cgroup_root" /sys/fs/cgroup"$cgroup_root"; do
  [[ -d "$dir" && "$cgroup_root" != / ]] || continue
  find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null
done

rm -rf "$run"
