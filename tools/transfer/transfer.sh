#!/usr/bin/env bash
# Transfer of task vectors on vtv-small (docs/model-card.md, "Transfer"): vectors found on one prompt
# source and fold, scored on the same fold, on the other three folds and on another synthetic world;
# and vectors found with a sibling model (vtv-small before its fine-tuning, the embedded model until
# 2026-12-05, taken from git history) applied to vtv-small with --allow-other-model.
#
#   bash tools/transfer/transfer.sh [OUT]      (release build; 2 ranks; about 15 minutes on 2 cores)
#
# Prints one line per evaluation (task, target, transfer flag, the three modes and the recovered share)
# and leaves every report under OUT (default /tmp/vtv-transfer), which must not exist yet.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-/tmp/vtv-transfer}
if [ -e "$OUT" ]; then echo "transfer.sh: $OUT exists; name a new folder" >&2; exit 2; fi
mkdir -p "$OUT"
SMALL=Sources/Pipeline/Resources/vtv-small.h5
BASE=$OUT/vtv-small-base.h5
git show 5981105:Sources/vtv/Resources/vtv-small.h5 > "$BASE"
TASK=${TASK:-lowlight_enhance}
RUN=(mpirun --allow-run-as-root --oversubscribe --bind-to none -np 2 -x OPENBLAS_NUM_THREADS=1 -x VTV_QUIET=1
    .build/release/vtv)
SEARCH=(--iterations 40 --samples 24 --train-prompts 6 --eval-prompts 10 --reward pixel --baseline prompt
    --granularity 1 --mask-seed 0 --lr 0.5 --init-logit -1 --sparsity 0 --eval-every 10 --final threshold --batch 8)

# Task means over 16 collect prompts of fold 0 and one search over train prompts of fold 0, per model.
for name in small base; do
    model=$SMALL
    [ $name = base ] && model=$BASE
    start=$(date +%s)
    "${RUN[@]}" collect --model "$model" --source synthetic:0:folds=0 --role collect --count 16 --tasks "$TASK" \
        --out "$OUT/a-$name.h5"
    "${RUN[@]}" search --model "$model" --activations "$OUT/a-$name.h5" --source synthetic:0:folds=0 --role train \
        --count 16 --task "$TASK" "${SEARCH[@]}" --out "$OUT/tv-$name.h5"
    echo "$name: collect + search $(($(date +%s) - start)) s"
done

# vtv-small's own vectors on four targets, then the sibling's vectors on the same fold.
evaluate() { # name vectors source [extra...]
    local name=$1 vectors=$2 source=$3
    shift 3
    "${RUN[@]}" eval --model "$SMALL" --source "$source" --role eval --count 32 --tasks "$TASK" \
        --taskvectors "$vectors" --grid 0 --out "$OUT/eval-$name" "$@"
}
evaluate same-fold "$OUT/tv-small.h5" synthetic:0:folds=0
evaluate other-folds "$OUT/tv-small.h5" synthetic:0:folds=1,2,3
evaluate other-world "$OUT/tv-small.h5" synthetic:1
evaluate other-world-fold0 "$OUT/tv-small.h5" synthetic:1:folds=0
evaluate sibling-model "$OUT/tv-base.h5" synthetic:0:folds=0 --allow-other-model

python3 - "$OUT" <<'EOF'
import json, sys, os
out = sys.argv[1]
print("| evaluation | vectors' means | target prompts | transfer | one-shot | zero-shot | zero-shot + TV | recovered |")
print("|---|---|---|---|---|---|---|---|")
for name in ["same-fold", "other-folds", "other-world", "other-world-fold0", "sibling-model"]:
    r = json.load(open(os.path.join(out, f"eval-{name}", "report.json")))
    t = r["tasks"][0]
    m = {k: v["summary"] for k, v in t["modes"].items()}
    def cell(mode):
        s = m[mode]
        return f"{s['mean']:.3f} ± {s['half_width']:.3f}"
    one, zero, tv = (m[k]["mean"] for k in ("one_shot", "zero_shot", "zero_shot_task_vectors"))
    share = (tv - zero) / (one - zero) if one != zero else float("nan")
    v = t["task_vectors"]
    src = ", ".join(v["means_from"]["sources"]) + f" ({v['means_from']['prompts']})"
    if "other_model_hash" in v:
        src += f", model {v['other_model_hash']}"
    tgt = ", ".join(r["prompts"]["provenance"]["sources"])
    print(f"| {name} | {src} | {tgt} | {v['transfer']} | {cell('one_shot')} | {cell('zero_shot')} | "
          f"{cell('zero_shot_task_vectors')} | {share:.0%} |")
EOF
