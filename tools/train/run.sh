#!/usr/bin/env bash
# Trains vtv-small, the embedded default model, from nothing (docs/model-card.md), and installs it
# as Sources/Pipeline/Resources/vtv-small.h5. Offline tool: needs PyTorch (pip install torch h5py) and
# a release build of vtv. Every step is seeded and resumes from its checkpoint when re-run.
#   tools/train/run.sh            # WORK=tools/train/work by default (ignored by git)
# Environment: SOURCE (the synthetic world, default synthetic:0; e.g. synthetic:0:habitats),
# INSTALL (1: copy the result over the embedded model; 0: leave it in WORK), MAE_STEPS (2400),
# MAE_BF16 (1: train the MAE in bfloat16 autocast, 1.6x faster per step on an AMX CPU; default 0),
# FINETUNE (1: fine-tune the MAE with spread targets after the base training, as the shipped model; 0: no),
# VQGAN_FROM (a vtv model file: reuse its tokenizer instead of training one, e.g. the embedded
# Sources/Pipeline/Resources/vtv-small.h5, so only the MAE is retrained against the same tokens).
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$here"
work="${WORK:-tools/train/work}"
source="${SOURCE:-synthetic:0}"
install="${INSTALL:-1}"
mkdir -p "$work"
vtv=.build/release/vtv
[ -x "$vtv" ] || swift build -c release --product vtv

# 1. Training canvases: role 'pretrain' of $SOURCE (scenes disjoint from the collect,
#    train and eval roles that the demo and the evaluation use; same classes).
[ -f "$work/pretrain.h5" ] || VTV_QUIET=1 cluster/local.sh 2 prompts export --source "$source" --role pretrain \
    --count 2400 --canvas-size 112 --out "$work/pretrain.h5"
# 2. The VQGAN tokenizer (about 20 minutes on 2 cores), or the one of an existing model file.
if [ -n "${VQGAN_FROM:-}" ]; then
  [ -f "$work/vqgan.pt" ] || python3 tools/train/vqgan_from_model.py --model "$VQGAN_FROM" --out "$work/vqgan.pt"
else
  python3 tools/train/train_vqgan.py --prompts "$work/pretrain.h5" --out "$work/vqgan.pt" --steps 2000 --seed 0
fi
# 3. The MAE (about an hour on 2 cores), then the released checkpoint layout.
python3 tools/train/train_mae.py --prompts "$work/pretrain.h5" --vqgan "$work/vqgan.pt" --out "$work/mae.pt" \
    --checkpoint "$work/checkpoint.pth" --steps "${MAE_STEPS:-2400}" --seed 0 \
    $([ "${MAE_BF16:-0}" = 1 ] && echo --bf16)
# 4. Our own importer turns it into a vtv model file (the base model).
"$vtv" model convert --mae "$work/checkpoint.pth" --heads 4,4 --out "$work/vtv-base.h5"
# 5. Fine-tuning with spread targets (about 20 minutes on 2 cores; docs/model-card.md, "Fine-tuning
#    for colorization"): 800 steps from the base model, the cross-entropy mixed 0.4 / 0.6 with one
#    against softmax(-d / 20) over the codes' latent distances, on every task's canvases but
#    identity's. FINETUNE=0 stops at the base model. Same arguments as tools/train/finetune.sh.
if [ "${FINETUNE:-1}" = 1 ]; then
  # The tokens depend only on the canvases and the VQGAN: reuse step 3's instead of encoding again.
  [ -f "$work/mae-ft.pt.tokens.pt" ] || ln -f "$work/mae.pt.tokens.pt" "$work/mae-ft.pt.tokens.pt"
  python3 tools/train/train_mae.py --prompts "$work/pretrain.h5" --vqgan "$work/vqgan.pt" --out "$work/mae-ft.pt" \
      --checkpoint "$work/checkpoint-ft.pth" --init "$work/vtv-base.h5" --seed 0 --lr 3e-4 --warmup 50 --every 200 \
      --steps 800 --soft-targets 0.6 --soft-temperature 20 \
      --soft-tasks segmentation,lowlight_enhance,inpaint,colorization
  "$vtv" model convert --mae "$work/checkpoint-ft.pth" --heads 4,4 --out "$work/vtv-small.h5"
else
  cp "$work/vtv-base.h5" "$work/vtv-small.h5"
fi
if [ "$install" = 1 ]; then
  cp "$work/vtv-small.h5" Sources/Pipeline/Resources/vtv-small.h5
  echo "installed Sources/Pipeline/Resources/vtv-small.h5; rebuild vtv to embed it"
else
  echo "wrote $work/vtv-small.h5 (not installed)"
fi
