"""Shared pieces of the small-model training (tools/train): configuration, data, seeding.

The small MAE-VQGAN keeps the published structure (docs/paper.md#model) at a quarter of the
canvas area: 112x112 canvases, 8x8 patches (still a 14x14 token grid), a VQGAN that downsamples
by 8 (four levels), and narrow transformers. Module definitions are the ones the benchmarks use
(tools/bench/torch_forward.py, tools/bench/torch_vqgan.py), so state-dict names are the released
ones.
"""
import os
import sys

import h5py
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))

CANVAS = 112
PATCH = 8
GRID = 14
TASKS = ("segmentation", "lowlight_enhance", "identity", "inpaint", "colorization")

VQGAN_CONFIG = dict(ch=32, ch_mult=(1, 1, 2, 2), res_blocks=1, z=32, n_embed=256, embed_dim=16)
MAE_CONFIG = dict(image=CANVAS, patch=PATCH, enc=(128, 8, 4, 512), dec=(128, 4, 4, 512),
                  vocab=VQGAN_CONFIG["n_embed"])


def step_generator(seed, step, stream=0):
    """A torch generator for one training step: batches depend only on (seed, stream, step), so a
    resumed run draws exactly what the uninterrupted one would have."""
    return torch.Generator().manual_seed((seed * 1_000_003 + stream * 7_919 + step) % (2 ** 63))


def load_canvases(path):
    """All canvases of a prompts file (vtv's layout, docs/formats.md), in prompt then TASKS order:
    float32 [N, 3, S, S] in [0, 1], and the task index of each."""
    with h5py.File(path, "r") as f:
        names = sorted(f["prompts"].keys(), key=int)
        canvases, tasks = [], []
        for name in names:
            g = f["prompts"][name]
            for t, task in enumerate(TASKS):
                if task in g:
                    canvases.append(g[task]["canvas"][()])
                    tasks.append(t)
    return torch.from_numpy(np.stack(canvases)), torch.tensor(tasks)


def save_atomic(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)
