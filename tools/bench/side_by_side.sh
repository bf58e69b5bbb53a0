#!/usr/bin/env bash
# The three speed comparisons of issue #3, vtv against PyTorch on the same machine and thread
# count, interleaved so that both see the same load: zero-shot ViT-L MAE forward at batch 1 and 32
# (ms per sample), and the released VQGAN decoder (s per canvas). Needs a release build and torch.
#   tools/bench/side_by_side.sh [ROUNDS] [THREADS]      # default 3 rounds, 2 threads
# Prints one line per measurement; take medians over the rounds (docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-3}" threads="${2:-2}"
vtv=.build/release/vtv
[ -x "$vtv" ] || swift build -c release --product vtv
for r in $(seq "$rounds"); do
  echo "== round $r ($(date +%H:%M:%S))"
  "$vtv" bench forward --config vit-large --mode zero-shot --batch 1,32 --repeats 3 --threads "$threads" \
    | grep -E "^batch" | sed 's/^/vtv   forward /'
  python3 tools/bench/torch_forward.py --config vit-large --mode zero-shot --batch 1,32 --repeats 3 \
    --threads "$threads" | grep -iE "batch" | sed 's/^/torch forward /'
  "$vtv" bench vqgan --stage decode --repeats 3 --threads "$threads" | grep -E "median" | sed 's/^/vtv   /'
  python3 tools/bench/torch_vqgan.py bench --threads "$threads" --repeats 3 | grep -iE "decode" | sed 's/^/torch /'
done
