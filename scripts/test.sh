#!/usr/bin/env bash
# Runs the whole test suite: unit and parity tests, h5py interop, real mpirun with 1-3 ranks.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null && [ -x /opt/swift/usr/bin/swift ]; then export PATH="/opt/swift/usr/bin:$PATH"; fi
# Tests launch mpirun; as root OpenMPI needs these. One BLAS thread per rank.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
swift build --build-tests 2>&1 | grep -vE "^\[[0-9]+/[0-9]+\]" || true
swift test --skip-build "$@"
