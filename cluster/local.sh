#!/usr/bin/env bash
# Runs a vtv command with N ranks on this machine: cluster/local.sh N COMMAND [options]
# e.g. cluster/local.sh 2 doctor --check-mpi
# One BLAS thread per rank (ranks, not BLAS threads, use the cores); oversubscription allowed.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
ranks="${1:?usage: cluster/local.sh RANKS COMMAND [options]}"; shift
vtv="${VTV:-$here/.build/release/vtv}"
[ -x "$vtv" ] || { echo "local.sh: $vtv not built; run scripts/setup.sh first"; exit 1; }
root_flags=()
[ "$(id -u)" -eq 0 ] && root_flags=(--allow-run-as-root)
exec mpirun "${root_flags[@]}" -np "$ranks" --oversubscribe --bind-to none \
  -x OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" "$vtv" "$@"
