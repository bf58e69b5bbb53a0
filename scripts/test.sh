#!/usr/bin/env bash
# Runs the whole test suite: unit and parity tests, h5py interop, real mpirun with 1-3 ranks.
# Extra arguments go to `swift test` (e.g. --filter SearchCommandTests).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null && [ -x /opt/swift/usr/bin/swift ]; then export PATH="/opt/swift/usr/bin:$PATH"; fi
# Tests launch mpirun; as root OpenMPI needs these. One BLAS thread per rank.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
# Format first: the checked-in .swift-format is the house style (`swift format --in-place -r Sources Tests Examples Package.swift` fixes it).
if ! swift format lint --strict --recursive --parallel Sources Tests Examples Package.swift; then
  echo "lint: the code above is not formatted; run: swift format --in-place --recursive Sources Tests Examples Package.swift" >&2
  exit 1
fi
swift build --build-tests 2>&1 | grep -vE "^\[[0-9]+/[0-9]+\]" || true
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# The suite is XCTest only; Swift Testing would add a misleading "0 tests" line.
status=0
swift test --skip-build --disable-swift-testing "$@" 2>&1 | tee "$log" || status=$?
summary=$(grep -E "Executed [0-9]+ tests?, with [0-9]+ failures?" "$log" | tail -n 1 || true)
executed=$(echo "$summary" | sed -E 's/.*Executed ([0-9]+) tests?.*/\1/')
# XCTest's "failures" counts failed assertions; count failed test cases instead.
failed=$(grep -cE "^Test Case '.*' failed" "$log" || true)
if [ -n "$summary" ]; then
  echo "tests: $((executed - failed)) passed, $failed failed"
fi
exit "$status"
