#!/usr/bin/env python3
"""PyTorch reference for vtv's MAE forward pass (docs/paper.md#model, docs/paper.md#token-layouts), for timing
side by side with `vtv bench forward`, and for checking the layout against the fixture.

The model is written from docs/paper.md#model in the style of the published code (timm-like blocks,
explicit q k^T softmax attention), not imported from it.

  python3 tools/bench/torch_forward.py --config vit-large --mode zero-shot --batch 1,8,32 --threads 2
  python3 tools/bench/torch_forward.py --check Tests/Fixtures/official-small/fixture.h5

Timing matches `vtv bench forward`: random weights, random canvases in [0, 1], one warm-up
pass, then `--repeats` timed passes of the whole batch; prints the median ms per sample, the
analytic GFLOP/s (same FLOP count as vtv: 2*m*n*k per matrix product, attention included,
elementwise work not counted) and the peak RSS.
"""
import argparse
import math
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
GRID = 14

CONFIGS = {
    # image, patch, (enc width, depth, heads, mlp), (dec width, depth, heads, mlp), vocab
    "vit-large": dict(image=224, patch=16, enc=(1024, 24, 16, 4096), dec=(512, 8, 16, 2048), vocab=1024),
    "tiny": dict(image=224, patch=16, enc=(64, 3, 4, 256), dec=(32, 2, 4, 128), vocab=1024),
}


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]                    # [b, heads, n, headDim]
        attn = (q @ k.transpose(-2, -1)) * self.scale
        attn = attn.softmax(dim=-1)
        o = (attn @ v).transpose(1, 2).reshape(b, n, c)     # head outputs, concatenated
        return self.proj(o)


class Block(nn.Module):
    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Sequential()
        self.mlp.fc1 = nn.Linear(dim, hidden)
        self.mlp.act = nn.GELU()
        self.mlp.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


def quadrant_positions(mode):
    """Grid indices (raster) the encoder sees and the decoder keeps, per docs/paper.md#token-layouts."""
    q3 = [r * GRID + c for r in range(7, 14) for c in range(7)]
    if mode == "one-shot":
        return list(range(7 * GRID)) + q3, list(range(GRID * GRID))
    return q3, list(range(7 * GRID, GRID * GRID))


class MAE(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, depth, heads, hidden = cfg["enc"]
        dd, ddepth, dheads, dhidden = cfg["dec"]
        p = cfg["patch"]
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(3, d, p, p)
        self.cls_token = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, GRID * GRID + 1, d) * 0.02)
        self.blocks = nn.ModuleList(Block(d, heads, hidden) for _ in range(depth))
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.decoder_embed = nn.Linear(d, dd)
        self.mask_token = nn.Parameter(torch.randn(1, 1, dd) * 0.02)
        self.decoder_pos_embed = nn.Parameter(torch.randn(1, GRID * GRID + 1, dd) * 0.02)
        self.decoder_blocks = nn.ModuleList(Block(dd, dheads, dhidden) for _ in range(ddepth))
        self.decoder_norm = nn.LayerNorm(dd, eps=1e-6)
        self.decoder_pred = nn.Linear(dd, cfg["vocab"])
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1))

    def forward(self, canvas, mode):
        """canvas: [b, 3, 224, 224] in [0, 1]. Returns logits [b, positions, vocab]."""
        visible, kept = quadrant_positions(mode)
        x = self.patch_embed.proj((canvas - self.mean) / self.std).flatten(2).transpose(1, 2)
        x = x + self.pos_embed[:, 1:, :]                     # [b, 196, d]
        x = x[:, visible, :]
        cls = (self.cls_token + self.pos_embed[:, :1, :]).expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1)
        for blk in self.blocks:
            x = blk(x)
        x = self.decoder_embed(self.norm(x))                  # [b, 1 + visible, dd]
        b = x.shape[0]
        full = self.mask_token.expand(b, GRID * GRID, -1).clone()
        full[:, visible, :] = x[:, 1:, :]
        y = torch.cat([x[:, :1, :], full], dim=1) + self.decoder_pos_embed
        y = torch.cat([y[:, :1, :], y[:, [1 + g for g in kept], :]], dim=1)
        for blk in self.decoder_blocks:
            y = blk(y)
        return self.decoder_pred(self.decoder_norm(y))[:, 1:, :]


def analytic_flops(cfg, mode):
    """2*m*n*k for every matrix product of one sample (as `vtv bench forward` counts)."""
    visible, kept = quadrant_positions(mode)
    d, depth, heads, hidden = cfg["enc"]
    dd, ddepth, dheads, dhidden = cfg["dec"]
    p = cfg["patch"]
    te, td = 1 + len(visible), 1 + len(kept)

    def stack(t, w, n, h):
        return n * (2 * t * w * (3 * w + w + 2 * h) + 2 * 2 * t * t * w)

    return (2 * len(visible) * 3 * p * p * d + stack(te, d, depth, hidden)
            + 2 * te * d * dd + stack(td, dd, ddepth, dhidden) + 2 * len(kept) * dd * cfg["vocab"])


def check(path):
    import h5py
    import numpy as np
    f = h5py.File(path, "r")
    a = f["config"].attrs
    cfg = dict(image=224, patch=int(a["patch_size"]), vocab=int(a["vocab"]),
               enc=(int(a["enc_dim"]), int(a["enc_depth"]), int(a["enc_heads"]), 4 * int(a["enc_dim"])),
               dec=(int(a["dec_dim"]), int(a["dec_depth"]), int(a["dec_heads"]), 4 * int(a["dec_dim"])))
    model = MAE(cfg)
    state = {k: torch.from_numpy(v[()]) for k, v in f["weights"].items() if not k.startswith("vae.")}
    state["mean"], state["std"] = model.mean, model.std
    model.load_state_dict(state)
    worst = 0.0
    for task in ("segmentation", "colorization"):
        g = f[f"prompts/3/{task}"]
        canvas = torch.from_numpy(g["canvas"][()])[None]
        for mode, key in (("one-shot", "one_shot"), ("zero-shot", "zero_shot")):
            with torch.no_grad():
                logits = model(canvas, mode)[0].numpy()
            ref = g[f"{key}_logits"][()]
            rel = float(np.abs(logits - ref).max() / np.abs(ref).max())
            same = int((logits.argmax(-1) == g[f"{key}_argmax"][()]).sum())
            worst = max(worst, rel)
            print(f"{task} {mode}: max rel error {rel:.2e}, argmax equal {same}/{ref.shape[0]}")
    return worst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="vit-large", choices=sorted(CONFIGS))
    ap.add_argument("--mode", default="zero-shot", choices=["zero-shot", "one-shot"])
    ap.add_argument("--batch", default="1,8,32")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--check", metavar="FIXTURE_H5")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.check:
        raise SystemExit(0 if check(args.check) < 1e-4 else 1)
    torch.manual_seed(0)
    cfg = CONFIGS[args.config]
    model = MAE(cfg).eval()
    flops = analytic_flops(cfg, args.mode)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, {args.config} {args.mode}, "
          f"{flops / 1e9:.2f} GFLOP/sample")
    for b in (int(s) for s in args.batch.split(",")):
        canvas = torch.rand(b, 3, cfg["image"], cfg["image"])
        times = []
        with torch.inference_mode():
            model(canvas, args.mode)
            for _ in range(args.repeats):
                t = time.perf_counter()
                model(canvas, args.mode)
                times.append(time.perf_counter() - t)
        ms = statistics.median(times) * 1e3 / b
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"batch {b:3d}: {ms:9.2f} ms/sample  {flops / (ms * 1e-3) / 1e9:7.1f} GFLOP/s  peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
