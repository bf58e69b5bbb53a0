#!/usr/bin/env bash
# Installs everything vtv needs on Debian 12 (as root, or with sudo) and builds release binaries.
# Safe to run any number of times: packages already present are not reinstalled.
set -euo pipefail
cd "$(dirname "$0")/.."

# System libraries: MPI, HDF5, OpenBLAS, image codecs (Debian packages only).
# iproute2 and util-linux (ip, unshare) build the simulated nodes of cluster/rehearsal.sh for the tests.
packages=(libopenmpi-dev openmpi-bin libopenblas-dev libhdf5-dev libjpeg62-turbo-dev libpng-dev pkg-config iproute2 util-linux)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python is only for tests that check h5py can read our files (never on the main path).
if command -v python3 >/dev/null && ! python3 -c "import h5py, numpy" 2>/dev/null; then
  echo "setup: installing h5py for the interop tests"
  python3 -m pip install -q h5py numpy 2>/dev/null || python3 -m pip install -q --break-system-packages h5py numpy
fi

# The Swift toolchain: on PATH, or at /opt/swift where our machines keep it.
if ! command -v swift >/dev/null && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH="/opt/swift/usr/bin:$PATH"
fi
command -v swift >/dev/null || { echo "setup: Swift 6 is required on PATH (https://swift.org/install)"; exit 1; }

echo "setup: building release binaries"
swift build -c release --product vtv 2>&1 | grep -vE "^\[[0-9]+/[0-9]+\]" || true
test -x .build/release/vtv || { echo "setup: the release build failed"; exit 1; }
echo "setup: done; binary at .build/release/vtv"
