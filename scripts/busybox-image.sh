#!/usr/bin/env bash
# Builds a busybox image from the host's busybox-static as a `docker save` archive, so a node
# without a registry can run pods: `scripts/busybox-image.sh OUT.tar [NAME:TAG]`
# (default localhost/busybox:latest). The archive is reproducible: the same busybox gives the
# same image ID.
set -euo pipefail

out=${1:?usage: busybox-image.sh OUT.tar [NAME:TAG]}
tag=${2:-localhost/busybox:latest}
busybox=$(command -v busybox || true)
[[ -n "$busybox" ]] || { echo "busybox-image: busybox is not installed (apt-get install busybox-static)" >&2; exit 1; }
if ! "$busybox" --list >/dev/null 2>&1 || ldd "$busybox" >/dev/null 2>&1; then
  echo "busybox-image: $busybox is not the static busybox (apt-get install busybox-static)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
# The mount points and files a runtime mounts over, present as in any distribution's image, so
# that no container has to create them in its writable layer.
mkdir -p "$root"/{bin,dev,etc,proc,sys,tmp,root,var/www}
chmod 1777 "$root/tmp"
touch "$root"/etc/{hostname,hosts,resolv.conf}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [[ "$applet" == busybox ]] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"

# One layer, with fixed owners and times so the digest depends on the content only.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2000-01-01 00:00Z' -C "$root" -cf "$work/layer.tar" .
diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
config=$(printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff_id")
config_id=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
mkdir -p "$work/image/$diff_id"
mv "$work/layer.tar" "$work/image/$diff_id/layer.tar"
printf '%s' "$config" >"$work/image/$config_id.json"
printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$config_id" "$tag" "$diff_id" >"$work/image/manifest.json"
mkdir -p "$(dirname "$out")"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2000-01-01 00:00Z' -C "$work/image" -cf "$out.tmp" .
mv "$out.tmp" "$out"
echo "busybox-image: $tag in $out"
