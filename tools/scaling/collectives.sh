#!/bin/bash
# The collectives' own cost, measured across the simulated nodes of cluster/rehearsal.sh (TCP over
# veth pairs between network namespaces) against the same ranks on one host (shared memory):
# `vtv bench search-overhead --method reduced` at granularities 1 and 2 (1,152 and 31,872 int64
# sums all-reduced) and 320 / 10,240 samples (their float64 losses all-gathered), ranks released by a
# barrier before each collective. Needs root. Usage: tools/scaling/collectives.sh [VTV_BINARY] [ROUNDS]
set -euo pipefail
V=${1:-$PWD/.build/release/vtv}; rounds=${2:-3}
cd "$(dirname "$0")/../.."
cluster/rehearsal.sh up coll 3 >/dev/null
trap 'cluster/rehearsal.sh down coll' EXIT
bench=(bench search-overhead --iterations 9 --method reduced)
host() { mpirun --allow-run-as-root -np "$1" --oversubscribe --bind-to none -x OPENBLAS_NUM_THREADS=1 "$V" "${@:2}"; }
nodes() { cluster/rehearsal.sh mpirun coll -np "$1" --map-by ppr:1:node --oversubscribe --bind-to none -x OPENBLAS_NUM_THREADS=1 -- "$V" "${@:2}"; }
run() { "$@" 2>&1 | tail -1 | sed 's/.*reduced: //'; }
for r in $(seq "$rounds"); do
  for g in 1 2; do for n in 320 10240; do
    echo "== round $r g$g N$n | $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
    echo "host, 2 ranks:          $(run host 2 "${bench[@]}" --granularity $g --samples $n)"
    echo "2 nodes x 1 rank (TCP): $(run nodes 2 "${bench[@]}" --granularity $g --samples $n)"
    echo "3 nodes x 1 rank (TCP): $(run nodes 3 "${bench[@]}" --granularity $g --samples $n)"
  done; done
done
