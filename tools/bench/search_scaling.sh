#!/usr/bin/env bash
# 1 rank against 2 ranks of `vtv bench search`, interleaved (1, 2, 1, 2, ...) so both see the same
# machine; prints every run and the median samples/s of each and their ratio. The machine is
# noisy (10-20% between minutes on the 2-core VMs), so only interleaved medians are comparable.
#   tools/bench/search_scaling.sh ROUNDS [bench search options...]
#   e.g. tools/bench/search_scaling.sh 3 --config vit-large --reward tokens --batch 16 --samples 160 --iterations 2
set -euo pipefail
rounds="$1"; shift
vtv="$(cd "$(dirname "$0")/../.." && pwd)/.build/release/vtv"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for round in $(seq "$rounds"); do
  for ranks in 1 2; do
    line=$(mpirun --allow-run-as-root --oversubscribe --bind-to none -np "$ranks" -x OPENBLAS_NUM_THREADS=1 \
             "$vtv" bench search "$@" | tail -n 1)
    echo "round $round, $ranks rank(s): $line"
    echo "$ranks $(echo "$line" | sed -E 's/.* ([0-9.]+) samples\/s.*/\1/')" >> "$log"
  done
done
median() { grep "^$1 " "$log" | cut -d' ' -f2 | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
one=$(median 1); two=$(median 2)
awk -v a="$one" -v b="$two" 'BEGIN { printf "median samples/s: 1 rank %.2f, 2 ranks %.2f, ratio %.2fx\n", a, b, b / a }'
