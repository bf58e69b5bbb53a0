#!/bin/bash
# The measurements of docs/search-efficiency.md: on the embedded model vtv-small, the paper's
# procedure (pixel reward, batch baseline; scaled to 40 iterations x 32 masks, lr 0.5 as the demo) and
# each lever of `vtv search` alone and combined, for segmentation and colorization,
# mask seeds 0 and 1; then `vtv eval` of the reference's and the recipe's task vectors on 64 eval
# prompts. --stop-on-plateau K is not run separately: it stops the reference's own trajectory (the same
# masks and checks) at a check, so analyze.py reads its stopping point off the reference's checks. A run
# whose log exists counts as started (remove runs/NAME.log to redo it). Every search is one rank; its report's cpuSeconds (getrusage user + system of every rank,
# over the search loop and its held-out checks) is the compute. Searches run JOBS at a time.
# Usage: tools/efficiency/study.sh [VTV_BINARY] [WORKDIR] [JOBS]; then
#        python3 tools/efficiency/analyze.py WORKDIR docs
set -eu
V=${1:-$PWD/.build/release/vtv}; W=${2:-/var/tmp/vtv-eff}; JOBS=${3:-3}
M=$(dirname "$V")/vtv_Pipeline.resources/vtv-small.h5
export OPENBLAS_NUM_THREADS=1 VTV_QUIET=1
mkdir -p "$W/runs" "$W/eval"; cd "$W"
# The demo's prompts: disjoint scenes per role; task means over the 32 collect prompts.
[ -f activations.h5 ] || {
  for rc in collect:32 train:32 eval:64; do
    $V prompts export --source synthetic:0 --role ${rc%:*} --count ${rc#*:} --canvas-size 112 \
      --tasks segmentation,colorization --out prompts-${rc%:*}.h5
  done
  $V collect --model $M --prompts prompts-collect.h5 --tasks segmentation,colorization --out activations.h5
}
COMMON="--model $M --activations activations.h5 --prompts prompts-train.h5 --train-prompts 10 --eval-prompts 22"
COMMON="$COMMON --granularity 1 --batch 4 --eval-every 5 --lr 0.5 --checkpoint-every 1000"
# name | options (a quarter of the reference: 1280 masks + 8 checks x 22 prompts; 14 x 20 + 3 x 22 is 0.24 of it)
CONFIGS=(
  "reference|--iterations 40 --samples 32"
  "quarter|--iterations 14 --samples 20"
  "prompt|--iterations 14 --samples 20 --baseline prompt"
  "loo|--iterations 14 --samples 20 --baseline leave-one-out"
  "antithetic|--iterations 14 --samples 20 --antithetic"
  "warmup|--iterations 40 --samples 20 --token-warmup 30"
  "combined|--iterations 40 --samples 20 --baseline prompt --antithetic --token-warmup 30 --stop-on-plateau 3"
  # Measured later (docs/search-efficiency.md, "Reuse and adaptive samples"): --reuse and --adaptive-samples
  # alone and with leave-one-out. Adaptive runs start at MIN masks and double at each stalled check, so
  # their compute depends on the run; leave-one-out needs MIN >= 2 x 10 training prompts.
  "reuse|--iterations 14 --samples 20 --reuse 2"
  "loo-reuse|--iterations 14 --samples 20 --baseline leave-one-out --reuse 2"
  "loo-reuse1|--iterations 14 --samples 20 --baseline leave-one-out --reuse 1"
  "adaptive|--iterations 20 --adaptive-samples 10:40"
  "loo-adaptive|--iterations 14 --adaptive-samples 20:40 --baseline leave-one-out"
  "loo-reuse-adaptive|--iterations 14 --adaptive-samples 20:40 --baseline leave-one-out --reuse 2"
  # bf16 (docs/search-efficiency.md, "bf16"): the reference and the recipe with the MAE's Linears in bf16,
  # on AVX512_BF16 CPUs only: do they reach the held-out quality of their fp32 runs?
  "reference-bf16|--iterations 40 --samples 32 --precision bf16"
  "loo-bf16|--iterations 14 --samples 20 --baseline leave-one-out --precision bf16"
)
jobs=()
for task in segmentation colorization; do for seed in 0 1; do for c in "${CONFIGS[@]}"; do
  name=${c%%|*}; opts=${c#*|}
  out=runs/$task-s$seed-$name.h5
  [ -f "$out" ] || [ -f runs/$task-s$seed-$name.log ] || jobs+=("$V search $COMMON --task $task --mask-seed $seed $opts --out $out > runs/$task-s$seed-$name.log 2>&1")
done; done; done
[ ${#jobs[@]} -eq 0 ] || printf '%s\n' "${jobs[@]}" | xargs -d '\n' -P "$JOBS" -I{} bash -c "{}"
# --recipe fast sets exactly the loo run's options (docs/search-efficiency.md), so its vectors are the loo run's.
# The later levers' runs that reach the reference on some task and seed are evaluated too.
evals=()
for seed in 0 1; do for name in reference loo adaptive loo-adaptive loo-reuse loo-bf16; do
  [ -f eval/$name-s$seed/report.json ] ||
    evals+=("$V eval --model $M --prompts prompts-eval.h5 --tasks segmentation,colorization \
      --taskvectors runs/segmentation-s$seed-$name.h5,runs/colorization-s$seed-$name.h5 --out eval/$name-s$seed \
      > eval/$name-s$seed.log 2>&1")
done; done
[ ${#evals[@]} -eq 0 ] || printf '%s\n' "${evals[@]}" | xargs -d '\n' -P "$JOBS" -I{} bash -c "{}"
echo "study done: $W"
