#!/usr/bin/env python3
"""Train the small MAE-VQGAN (tools/train/common.py: MAE_CONFIG) on canvases exported by
`vtv prompts export`, predicting the tokens of the trained VQGAN (train_vqgan.py).

    python3 tools/train/train_mae.py --prompts train.h5 --vqgan work/vqgan.pt --out work/mae.pt \
        [--steps N] [--seed S] [--checkpoint checkpoint.pth]

Each step trains on two kinds of samples, as the published MAE-VQGAN recipe suggests for visual
prompting: `--query-batch` canvases with exactly the query quadrant Q4 masked (the one-shot layout
of docs/paper.md#token-layouts: the encoder sees Q1, Q2, Q3; the loss is on Q4's 49 tokens), and
`--random-batch` canvases with MAE's random masking (75% of patches hidden, loss on the hidden
ones). The loss is the cross-entropy against the VQGAN tokens of the whole canvas. The position
tables are the fixed sin-cos ones; linears are xavier-uniform, cls and mask tokens normal(0.02).
AdamW (betas 0.9/0.95, weight decay 0.05), linear warm-up then cosine decay.

Fine-tuning: --init MODEL.h5 starts from the MAE of a vtv model file (the embedded default, say)
instead of a fresh initialisation; --task-weights (one per task, TASKS order) makes the Q4-masked
samples draw some tasks more often; --soft-targets ALPHA mixes into the loss a cross-entropy
against a spread target: softmax(-d / T) over the codebook, d the squared distance of each codebook
vector to the VQGAN encoder's latent at that position (whose nearest vector is the token target),
T = --soft-temperature, on the canvases of the --soft-tasks only (default all). Where an answer
is uncertain (the colours of a colorization), the argmax then favours tokens near every plausible
latent over one guessed colour.

The last --holdout prompts of the file are never trained on: every --every steps the script prints
their Q4 token accuracy per task in one-shot and zero-shot layout, and writes a resumable
checkpoint to --out. With --checkpoint it finally writes the released layout: a dict whose `model`
holds the MAE state dict plus the VQGAN under `vae.`, next to `optimizer`, `epoch`, `args`.
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import GRID, MAE_CONFIG, TASKS, VQGAN_CONFIG, load_canvases, save_atomic, step_generator
from torch_forward import MAE, quadrant_positions
from torch_vqgan import VQGAN


def sincos_table(dim, grid):
    """[1 + grid*grid, dim]: row 0 zeros (cls); first half of the channels the column, second the
    row; each half sin(p w_k) then cos(p w_k), w_k = 1 / 10000^(k / (dim/4)) (docs/paper.md#model)."""
    w = 1.0 / 10000 ** (np.arange(dim // 4, dtype=np.float64) / (dim / 4))

    def half(p):
        out = np.outer(p, w)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)

    rows, cols = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")
    table = np.concatenate([half(cols.reshape(-1)), half(rows.reshape(-1))], axis=1)
    return torch.from_numpy(np.concatenate([np.zeros((1, dim)), table], axis=0)).float()[None]


class SmallMAE(MAE):
    def __init__(self, cfg):
        super().__init__(cfg)
        self.pos_embed = nn.Parameter(sincos_table(cfg["enc"][0], GRID), requires_grad=False)
        self.decoder_pos_embed = nn.Parameter(sincos_table(cfg["dec"][0], GRID), requires_grad=False)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        w = self.patch_embed.proj.weight
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))
        nn.init.normal_(self.cls_token, std=0.02)
        nn.init.normal_(self.mask_token, std=0.02)

    def forward_masked(self, canvas, visible):
        """canvas [B, 3, S, S] in [0, 1]; visible [B, V] grid indices the encoder sees.
        Returns logits [B, 196, vocab] for every grid position (decoder sees all 197 tokens)."""
        b = canvas.shape[0]
        x = self.patch_embed.proj((canvas - self.mean) / self.std).flatten(2).transpose(1, 2)
        x = x + self.pos_embed[:, 1:, :]
        d = x.shape[-1]
        x = torch.gather(x, 1, visible[:, :, None].expand(-1, -1, d))
        cls = (self.cls_token + self.pos_embed[:, :1, :]).expand(b, -1, -1)
        x = torch.cat([cls, x], dim=1)
        for blk in self.blocks:
            x = blk(x)
        x = self.decoder_embed(self.norm(x))
        dd = x.shape[-1]
        # .to(x.dtype): under --bf16 autocast the encoder's output is bfloat16.
        full = self.mask_token.expand(b, GRID * GRID, -1).to(x.dtype).clone()
        full = full.scatter(1, visible[:, :, None].expand(-1, -1, dd), x[:, 1:, :])
        y = torch.cat([x[:, :1, :], full], dim=1) + self.decoder_pos_embed
        for blk in self.decoder_blocks:
            y = blk(y)
        return self.decoder_pred(self.decoder_norm(y))[:, 1:, :]


def query_visible(b):
    visible, _ = quadrant_positions("one-shot")
    return torch.tensor(visible)[None].expand(b, -1)


Q4 = [r * GRID + c for r in range(7, 14) for c in range(7, 14)]


def mae_state_from_model(path, model):
    """The MAE tensors of a vtv model file (`/weights/<state-dict name>`, docs/formats.md) as a
    state dict for `model`; refuses a file whose MAE does not match, naming the mismatches."""
    import h5py
    expected = {k: v for k, v in model.state_dict().items() if k not in ("mean", "std")}
    with h5py.File(path, "r") as f:
        w = f["weights"]
        found = {k: w[k][()] for k in w.keys() if not k.startswith("vae.")}
    if set(found) != set(expected):
        raise SystemExit(f"{path}: MAE does not match tools/train's configuration "
                         f"(missing {sorted(set(expected) - set(found))[:3]}, "
                         f"unexpected {sorted(set(found) - set(expected))[:3]})")
    state = dict(model.state_dict())
    for k, want in expected.items():
        got = torch.from_numpy(found[k])
        if tuple(got.shape) != tuple(want.shape):
            raise SystemExit(f"{path}: {k} has shape {tuple(got.shape)}, expected {tuple(want.shape)}")
        state[k] = got.to(want.dtype)
    return state


@torch.no_grad()
def latents(vqgan, canvases, batch=64):
    """[N, 196, embed_dim]: the VQGAN's pre-quantization latent at every grid position."""
    out = []
    for i in range(0, canvases.shape[0], batch):
        z = vqgan.quant_conv(vqgan.encoder(2 * canvases[i:i + batch] - 1))
        out.append(z.flatten(2).transpose(1, 2))
    return torch.cat(out)


def spread_targets(latent, codebook, temperature):
    """[..., vocab]: softmax(-|latent - codebook row|^2 / temperature) for latent [..., embed_dim]."""
    d = torch.cdist(latent.reshape(-1, latent.shape[-1]), codebook) ** 2
    return torch.softmax(-d / temperature, dim=-1).reshape(*latent.shape[:-1], -1)


@torch.no_grad()
def tokenize(vqgan, canvases, batch=64):
    out = []
    for i in range(0, canvases.shape[0], batch):
        out.append(vqgan.tokens(canvases[i:i + batch]))
    return torch.cat(out)


def mix_losses(logits, hard, soft, alpha):
    """Mean over rows of (1 - alpha) CE(logits, hard token) + alpha CE(logits, soft target);
    logits/soft [N, vocab], hard [N], alpha [N] (0 where a row keeps the plain cross-entropy)."""
    ce_hard = F.cross_entropy(logits, hard, reduction="none")
    ce_soft = F.cross_entropy(logits, soft, reduction="none")
    return ((1 - alpha) * ce_hard + alpha * ce_soft).mean()


@torch.no_grad()
def evaluate(model, canvases, tokens, tasks):
    """Q4 token accuracy per task, one-shot and zero-shot layouts."""
    model.eval()
    rows = {}
    for mode in ("one-shot", "zero-shot"):
        correct = torch.zeros(len(TASKS))
        count = torch.zeros(len(TASKS))
        for i in range(0, canvases.shape[0], 100):
            c, tk, ts = canvases[i:i + 100], tokens[i:i + 100], tasks[i:i + 100]
            logits = model(c, mode)
            if mode == "one-shot":
                pred = logits[:, 1:, :].argmax(-1)[:, Q4] if logits.shape[1] == 197 else logits.argmax(-1)[:, Q4]
            else:
                kept = quadrant_positions("zero-shot")[1]
                pos = [kept.index(g) for g in Q4]
                pred = logits.argmax(-1)[:, pos]
            hit = (pred == tk[:, Q4]).float().mean(1)
            for t in range(len(TASKS)):
                sel = ts == t
                correct[t] += hit[sel].sum()
                count[t] += sel.sum()
        rows[mode] = (correct / count.clamp(min=1)).tolist()
    model.train()
    return rows


def cpu_has_native_bf16():
    """Whether the CPU multiplies bfloat16 natively (AMX-BF16 or AVX512-BF16), as Linux reports it.
    Elsewhere (or where /proc/cpuinfo is missing) autocast to bfloat16 is emulated and slow."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = set(f.read().split())
    except OSError:
        return False
    return bool(flags & {"amx_bf16", "avx512_bf16"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", required=True)
    ap.add_argument("--vqgan", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--checkpoint", help="also write the released-layout checkpoint here at the end")
    ap.add_argument("--steps", type=int, default=2400)
    ap.add_argument("--query-batch", type=int, default=40)
    ap.add_argument("--random-batch", type=int, default=24)
    ap.add_argument("--mask-ratio", type=float, default=0.75)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--holdout", type=int, default=100, help="prompts at the end of the file kept out of training")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--every", type=int, default=250)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--init", help="fine-tune: start from the MAE of this vtv model file")
    ap.add_argument("--task-weights", default="1,1,1,1,1",
                    help="relative draw weight of each task (TASKS order) for the Q4-masked samples")
    ap.add_argument("--soft-targets", type=float, default=0.0,
                    help="weight ALPHA of the spread-target cross-entropy in the loss (0: plain cross-entropy)")
    ap.add_argument("--soft-temperature", type=float, default=0.3)
    ap.add_argument("--soft-tasks", default=",".join(TASKS),
                    help="comma-separated tasks whose canvases get the spread target (default: all)")
    ap.add_argument("--bf16", action="store_true",
                    help="forward and backward in bfloat16 autocast (weights, optimizer and loss stay float32); "
                         "1.9x faster per step on this AMX CPU (2.23 -> 1.16 s for 64 one-shot canvases)")
    args = ap.parse_args()
    unknown = sorted(set(args.soft_tasks.split(",")) - set(TASKS))
    if unknown:
        raise SystemExit(f"--soft-tasks: unknown task(s) {', '.join(unknown)}; tasks are {', '.join(TASKS)}")
    if args.bf16 and not cpu_has_native_bf16():
        print("warning: --bf16 on a CPU without AMX-BF16 or AVX512-BF16 (see /proc/cpuinfo): bfloat16 is "
              "emulated and a step takes about 3.6x as long as with them (2026-12-05: 3.6 s against 1.0 s "
              "on the AMX VM); float32 is faster here", file=sys.stderr, flush=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    canvases, tasks = load_canvases(args.prompts)
    vq_state = torch.load(args.vqgan, weights_only=False)
    vqgan = VQGAN(**VQGAN_CONFIG).eval()
    vqgan.load_state_dict(vq_state["model"])
    cache = args.out + ".tokens.pt"
    if os.path.exists(cache):
        tokens = torch.load(cache)
    else:
        t = time.time()
        tokens = tokenize(vqgan, canvases)
        save_atomic(tokens, cache)
        print(f"tokenized {canvases.shape[0]} canvases in {time.time() - t:.0f}s", flush=True)
    per_prompt = len(TASKS)
    split = canvases.shape[0] - args.holdout * per_prompt
    train_c, train_t = canvases[:split], tokens[:split]
    hold = (canvases[split:], tokens[split:], tasks[split:])
    print(f"{split} training canvases, {canvases.shape[0] - split} held out; "
          f"{len(tokens.unique())} distinct tokens in use", flush=True)

    model = SmallMAE(MAE_CONFIG)
    if args.init:
        model.load_state_dict(mae_state_from_model(args.init, model))
        print(f"initialised the MAE from {args.init}", flush=True)
    task_weights = torch.tensor([float(w) for w in args.task_weights.split(",")])
    if task_weights.numel() != len(TASKS) or (task_weights < 0).any() or task_weights.sum() <= 0:
        raise SystemExit(f"--task-weights needs {len(TASKS)} non-negative weights, got {args.task_weights}")
    draw = task_weights[tasks[:split]]
    latent = None
    if args.soft_targets > 0:
        lcache = args.out + ".latents.pt"
        if os.path.exists(lcache):
            latent = torch.load(lcache)
        else:
            latent = latents(vqgan, canvases)
            save_atomic(latent, lcache)
        codebook = vqgan.quantize.embedding.weight.detach()
        soft_task = torch.tensor([float(t in args.soft_tasks.split(",")) for t in TASKS])
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim >= 2 and "token" not in n]
    other = [p for n, p in model.named_parameters() if p.requires_grad and not (p.ndim >= 2 and "token" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": other, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95))
    step = 0
    if os.path.exists(args.out):
        s = torch.load(args.out, weights_only=False)
        model.load_state_dict(s["model"])
        opt.load_state_dict(s["optimizer"])
        step = s["step"]
        print(f"resumed at step {step}", flush=True)
    model.train()
    q4 = torch.zeros(GRID * GRID, dtype=torch.bool)
    q4[Q4] = True
    keep = GRID * GRID - int(round(args.mask_ratio * GRID * GRID))
    t0, losses = time.time(), []
    while step < args.steps:
        lr = args.lr * min(1.0, (step + 1) / args.warmup) * 0.5 * (1 + math.cos(math.pi * step / args.steps))
        for g in opt.param_groups:
            g["lr"] = lr
        gen = step_generator(args.seed, step, stream=2)
        if bool((task_weights == task_weights[0]).all()):  # uniform: the original draw, so earlier runs reproduce
            qi = torch.randint(0, split, (args.query_batch,), generator=gen)
        else:
            qi = torch.multinomial(draw, args.query_batch, replacement=True, generator=gen)
        ri = torch.randint(0, split, (args.random_batch,), generator=gen)
        order = torch.rand(args.random_batch, GRID * GRID, generator=gen).argsort(1)
        visible = order[:, :keep].sort(1).values
        hidden = torch.ones(args.random_batch, GRID * GRID, dtype=torch.bool)
        hidden.scatter_(1, visible, False)

        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            logits_q = model.forward_masked(train_c[qi], query_visible(args.query_batch)).float()
            logits_r = model.forward_masked(train_c[ri], visible).float()
        if latent is None:
            loss_q = F.cross_entropy(logits_q[:, q4, :].reshape(-1, logits_q.shape[-1]), train_t[qi][:, q4].reshape(-1))
            loss_r = F.cross_entropy(logits_r[hidden], train_t[ri][hidden])
        else:
            soft_q = spread_targets(latent[qi][:, q4], codebook, args.soft_temperature)
            soft_r = spread_targets(latent[ri][hidden], codebook, args.soft_temperature)
            # ALPHA on the canvases of --soft-tasks, 0 on the others; [B] -> one weight per position.
            a_q = (args.soft_targets * soft_task[tasks[:split][qi]])[:, None].expand(-1, int(q4.sum())).reshape(-1)
            a_r = (args.soft_targets * soft_task[tasks[:split][ri]])[:, None].expand(-1, GRID * GRID)[hidden]
            loss_q = mix_losses(logits_q[:, q4, :].reshape(-1, logits_q.shape[-1]), train_t[qi][:, q4].reshape(-1),
                                soft_q.reshape(-1, soft_q.shape[-1]), a_q)
            loss_r = mix_losses(logits_r[hidden], train_t[ri][hidden], soft_r, a_r)
        loss = (args.query_batch * loss_q + args.random_batch * loss_r) / (args.query_batch + args.random_batch)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        losses.append((loss_q.item(), loss_r.item()))
        if step % 50 == 0:
            lq = sum(a for a, _ in losses[-50:]) / 50
            lr_ = sum(b for _, b in losses[-50:]) / 50
            print(f"step {step}/{args.steps} loss Q4 {lq:.3f} random {lr_:.3f} lr {lr:.2e} "
                  f"{time.time() - t0:.0f}s", flush=True)
        if step % args.every == 0 or step == args.steps:
            acc = evaluate(model, *hold)
            print("  held-out Q4 token accuracy  " + "  ".join(
                f"{t[:5]} {a:.3f}/{z:.3f}" for t, a, z in zip(TASKS, acc["one-shot"], acc["zero-shot"]))
                + "  (one-shot/zero-shot)", flush=True)
            save_atomic(dict(model=model.state_dict(), optimizer=opt.state_dict(), step=step,
                             config=MAE_CONFIG, args=vars(args), accuracy=acc), args.out)

    if args.checkpoint:
        state = {k: v for k, v in model.state_dict().items() if k not in ("mean", "std")}
        state.update({"vae." + k: v for k, v in vqgan.state_dict().items()})
        save_atomic({"model": state, "optimizer": opt.state_dict(), "epoch": step,
                     "args": argparse.Namespace(**vars(args), model_config=MAE_CONFIG, vqgan_config=VQGAN_CONFIG),
                     "scaler": {}}, args.checkpoint)
        print(f"wrote {args.checkpoint}", flush=True)


if __name__ == "__main__":
    main()
