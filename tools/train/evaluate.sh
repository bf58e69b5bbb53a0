#!/usr/bin/env bash
# Measures the bar of docs/model-card.md with vtv alone (no PyTorch): one-shot vs zero-shot vs
# zero-shot + task vectors found by `vtv search` (the paper's pixel reward unless REWARD=tokens),
# on held-out synthetic prompts (seed 0, roles collect / train / eval: scenes the model never
# trained on).
#   tools/train/evaluate.sh [MODEL.h5]     # default: the embedded model; WORK=tools/train/work/eval
# Environment: SOURCE (synthetic:0, the world the model was trained on; e.g. synthetic:0:habitats),
# RANKS (2), ITERATIONS (200), SAMPLES (128), EVAL_EVERY (25), REWARD (pixel), EVAL_PROMPTS (30; the
# published code scores its held-out policies on 490 training prompts, 10..499), BASELINE (batch, the
# paper's; prompt: advantages standardized per training prompt first, `vtv search --baseline`),
# TASKS (all five, space-separated), e.g. the published search size for segmentation only:
#   TASKS=segmentation ITERATIONS=500 SAMPLES=320 EVAL_EVERY=50 tools/train/evaluate.sh
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$here"
model="${1:-Sources/Pipeline/Resources/vtv-small.h5}"
work="${WORK:-tools/train/work/eval}"
ranks="${RANKS:-2}"
source="${SOURCE:-synthetic:0}"
iterations="${ITERATIONS:-200}"
samples="${SAMPLES:-128}"
reward="${REWARD:-pixel}"
eval_every="${EVAL_EVERY:-25}"
eval_prompts="${EVAL_PROMPTS:-30}"
baseline=()
[ -n "${BASELINE:-}" ] && baseline=(--baseline "$BASELINE")
read -r -a tasks <<< "${TASKS:-segmentation lowlight_enhance identity inpaint colorization}"
mkdir -p "$work"
run() { VTV_QUIET=1 cluster/local.sh "$ranks" "$@"; }

run prompts export --source "$source" --role collect --count 50 --canvas-size 112 --out "$work/collect.h5"
run prompts export --source "$source" --role train --count "$((10 + eval_prompts))" --canvas-size 112 --out "$work/train.h5"
run prompts export --source "$source" --role eval --count 100 --canvas-size 112 --out "$work/eval.h5"
run collect --model "$model" --prompts "$work/collect.h5" --tasks base --out "$work/activations.h5"
vectors=()
for task in "${tasks[@]}"; do
  run search --model "$model" --activations "$work/activations.h5" --prompts "$work/train.h5" --task "$task" \
      --reward "$reward" --iterations "$iterations" --samples "$samples" --train-prompts 10 --eval-prompts "$eval_prompts" \
      "${baseline[@]}" --eval-every "$eval_every" --plots --out "$work/tv-$task.h5"
  vectors+=("$work/tv-$task.h5")
done
run eval --model "$model" --prompts "$work/eval.h5" \
    --taskvectors "$(IFS=,; echo "${vectors[*]}")" --grid 4 --out "$work/report"
echo "report: $work/report/report.md"
