#!/usr/bin/env python3
"""How well the trained VQGAN reproduces canvases: the ceiling of any prediction the MAE can make.

    python3 tools/train/vqgan_quality.py --vqgan work/vqgan.pt --prompts work/eval/eval.h5

For every canvas: encode to tokens, decode, and score the answer quadrant Q4 of the reconstruction
against the canvas itself as `vtv eval` scores predictions (docs/paper.md#metrics: IoU of the
rounded-to-black-or-white masks for segmentation, MSE in ImageNet-normalized space otherwise;
8-bit truncation on both sides). Prints the mean per task.
"""
import argparse

import numpy as np
import torch

from common import TASKS, VQGAN_CONFIG, load_canvases
from torch_vqgan import VQGAN

MEAN = np.array([0.485, 0.456, 0.406])[:, None, None]
STD = np.array([0.229, 0.224, 0.225])[:, None, None]


def eight_bit(x):
    return np.clip(np.floor(x * 255), 0, 255)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vqgan", required=True)
    ap.add_argument("--prompts", required=True)
    args = ap.parse_args()
    model = VQGAN(**VQGAN_CONFIG).eval()
    model.load_state_dict(torch.load(args.vqgan, weights_only=False)["model"])
    canvases, tasks = load_canvases(args.prompts)
    side = canvases.shape[-1]
    start = side - (side - 2) // 2
    grid = side // 8
    scores = {t: [] for t in TASKS}
    with torch.no_grad():
        for i in range(0, canvases.shape[0], 50):
            batch = canvases[i:i + 50]
            recon = model.decode_tokens(model.tokens(batch), grid).numpy()
            for c, r, t in zip(batch.numpy(), recon, tasks[i:i + 50].tolist()):
                target, pred = eight_bit(c[:, start:, start:]), eight_bit(r[:, start:, start:])
                if TASKS[t] == "segmentation":
                    def white(x):
                        return ((x - 255) ** 2).sum(0) < (x ** 2).sum(0)
                    a, b = white(target), white(pred)
                    union = (a | b).sum()
                    scores[TASKS[t]].append(1.0 if union == 0 else (a & b).sum() / union)
                else:
                    n = lambda x: (x / 255 - MEAN) / STD
                    scores[TASKS[t]].append(float(((n(target) - n(pred)) ** 2).mean()))
    for t in TASKS:
        if scores[t]:
            metric = "IoU" if t == "segmentation" else "MSE"
            print(f"{t:18s} VQGAN reconstruction {metric} {np.mean(scores[t]):.4f} over {len(scores[t])} canvases")


if __name__ == "__main__":
    main()
