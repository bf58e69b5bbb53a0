#!/usr/bin/env bash
# Fine-tunes the MAE of an existing vtv model file (default: the embedded one) with its own VQGAN,
# converts the result with `vtv model convert`, and measures one-shot against zero-shot with
# `vtv eval` on the 100 held-out `eval` prompts (about a minute; no search). Offline tool: needs
# PyTorch and a release build of vtv. Resumes like run.sh.
#   tools/train/finetune.sh NAME [train_mae.py options...]
#   e.g. tools/train/finetune.sh spread --bf16 --steps 400 --soft-targets 0.5 --soft-temperature 6
# Environment: INIT (the model file to start from), WORK (tools/train/work/finetune),
# SOURCE (synthetic:0). Writes WORK/vtv-NAME.h5, WORK/report-NAME/, WORK/train-NAME.log.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$here"
name="${1:?usage: tools/train/finetune.sh NAME [train_mae.py options...]}"; shift
init="${INIT:-Sources/Pipeline/Resources/vtv-small.h5}"
work="${WORK:-tools/train/work/finetune}"
source="${SOURCE:-synthetic:0}"
mkdir -p "$work"
vtv=.build/release/vtv
[ -x "$vtv" ] || swift build -c release --product vtv
run() { VTV_QUIET=1 cluster/local.sh 2 "$@"; }
[ -f "$work/pretrain.h5" ] || run prompts export --source "$source" --role pretrain --count 2400 --canvas-size 112 \
    --out "$work/pretrain.h5"
[ -f "$work/eval.h5" ] || run prompts export --source "$source" --role eval --count 100 --canvas-size 112 \
    --out "$work/eval.h5"
[ -f "$work/vqgan.pt" ] || python3 tools/train/vqgan_from_model.py --model "$init" --out "$work/vqgan.pt"
python3 tools/train/train_mae.py --prompts "$work/pretrain.h5" --vqgan "$work/vqgan.pt" --out "$work/mae-$name.pt" \
    --checkpoint "$work/checkpoint-$name.pth" --init "$init" --seed 0 --lr 3e-4 --warmup 50 --every 200 "$@" \
    2>&1 | tee "$work/train-$name.log"
"$vtv" model convert --mae "$work/checkpoint-$name.pth" --heads 4,4 --out "$work/vtv-$name.h5"
run eval --model "$work/vtv-$name.h5" --prompts "$work/eval.h5" --grid 0 --out "$work/report-$name"
grep -A7 "^| task" "$work/report-$name/report.md"
