#!/usr/bin/env bash
# Times `vtv model convert` against `cp` of the same checkpoint files, interleaved, files in the
# page cache, `sync` and a pause before each command; prints every run and the medians.
#   tools/bench/convert_vs_cp.sh ROUNDS MAE.pth VQGAN.ckpt [OUT_DIR]
# Make the inputs with tools/fixtures/make_vitl_checkpoint.py (see docs/benchmarks.md).
set -euo pipefail
rounds="$1"; mae="$2"; vqgan="$3"; dir="${4:-/tmp}"
vtv="$(cd "$(dirname "$0")/../.." && pwd)/.build/release/vtv"
log="$(mktemp)"
trap 'rm -f "$log" "$dir/convert-bench.h5" "$dir/convert-bench.cp1" "$dir/convert-bench.cp2"' EXIT
cat "$mae" "$vqgan" > /dev/null   # into the page cache
for _ in $(seq "$rounds"); do
  rm -f "$dir/convert-bench.cp1" "$dir/convert-bench.cp2"; sync; sleep 2
  /usr/bin/time -a -o "$log" -f "cp %e %M" \
    sh -c "cp '$mae' '$dir/convert-bench.cp1' && cp '$vqgan' '$dir/convert-bench.cp2'"
  rm -f "$dir/convert-bench.cp1" "$dir/convert-bench.cp2" "$dir/convert-bench.h5"; sync; sleep 2
  /usr/bin/time -a -o "$log" -f "convert %e %M" \
    "$vtv" model convert --mae "$mae" --vqgan "$vqgan" --out "$dir/convert-bench.h5" > /dev/null
done
cat "$log"
for kind in cp convert; do
  grep "^$kind " "$log" | sort -k2,2n | awk -v kind="$kind" '
    { v[NR] = $2; if ($3 > m) m = $3 }
    END { med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "%s: median %.2f s of %d, min %.2f, max %.2f, peak RSS %d MiB\n", kind, med, NR, v[1], v[NR], m / 1024 }'
done
