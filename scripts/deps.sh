#!/usr/bin/env bash
# Installs the Debian packages hostlet needs to build and test, when missing. Idempotent, and
# quick when everything is present: apt-get runs only for what is missing.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config make
  # APIs: Protobuf and gRPC, with the compiler plugin and libprotoc for protoc-gen-hostlet
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libprotoc-dev libgrpc++-dev
  # plugin loading and JSON
  libboost-dev libboost-filesystem-dev nlohmann-json3-dev
  # networking (libnl-route for the bridge module) and its real peers in tests
  libnl-3-dev libnl-route-3-dev iproute2 iptables nftables containernetworking-plugins
  busybox-static wget
  # containers: OCI runtimes, image layers, registry access, seccomp, and real peers
  runc crun containerd libarchive-dev libssl-dev libseccomp-dev docker-registry libcrypt-dev
  # control plane: storage and its real peers (kubectl itself comes with the machine)
  libsqlite3-dev etcd-server
  # node agent: its config file and static pod manifests, gzip for rotated container logs
  libyaml-cpp-dev zlib1g-dev
  # test certificates
  openssl
  # promtool, which checks the agent's /metrics in tests
  prometheus
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
