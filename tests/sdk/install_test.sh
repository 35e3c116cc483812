#!/usr/bin/env bash
# Installs the SDK from BUILD_DIR into a temporary prefix, builds the device plugin example out
# of tree against it with find_package(hostlet-sdk), and has the installed hostlet-plugin
# inspect and load the result.
set -euo pipefail
build_dir=$1
examples_dir=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT

cmake --install "$build_dir" --prefix "$prefix/sdk" >/dev/null
cmake -S "$examples_dir" -B "$prefix/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix/sdk" >/dev/null
cmake --build "$prefix/build" --target sample_device >/dev/null
module="$prefix/build/sample_device.so"

inspect=$("$prefix/sdk/bin/hostlet-plugin" inspect "$module")
echo "$inspect"
grep -q "device plugin 'sample-device' version 0.1.0, ABI 1.0" <<<"$inspect"
"$prefix/sdk/bin/hostlet-plugin" check "$module" --config '{"count": 3}'
if "$prefix/sdk/bin/hostlet-plugin" check "$module" --config '{"count": -1}' 2>"$prefix/err"; then
  echo "a refused configuration was accepted" >&2
  exit 1
fi
grep -q "count must not be negative" "$prefix/err"
