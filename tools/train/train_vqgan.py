#!/usr/bin/env python3
"""Train the small model's VQGAN tokenizer (taming layout, narrower, four levels: f8) as a plain VQ
autoencoder on canvases exported by `vtv prompts export`.

    python3 tools/train/train_vqgan.py --prompts train.h5 --out work/vqgan.pt [--steps N] [--seed S]

Loss: MSE on pixels in [-1, 1] plus L1, plus the commitment term 0.25 * |z - sg(e)|^2. The codebook
is learnt by exponential moving averages (decay 0.99, as in VQ-VAE-2) and any code unused for a
while is restarted at a random encoder output, so all 256 codes stay alive. Training uses random
64x64 crops (the network is convolutional, its attention global over the lowest level), then the
last 5% of the steps full 112x112 canvases. Checkpoints every --every steps to --out, which
--out also resumes from.
"""
import argparse
import math
import os
import time

import torch
import torch.nn.functional as F

from common import VQGAN_CONFIG, load_canvases, save_atomic, step_generator
from torch_vqgan import VQGAN


class EMACodebook:
    """EMA statistics of the codebook `quantize.embedding.weight` (kept outside the state dict)."""

    def __init__(self, n, d, decay=0.99):
        self.decay = decay
        self.size = torch.zeros(n)
        self.sum = torch.zeros(n, d)
        self.initialized = False

    def state(self):
        return dict(size=self.size, sum=self.sum, initialized=self.initialized)

    def load(self, s):
        self.size, self.sum, self.initialized = s["size"], s["sum"], s["initialized"]


def quantize(model, book, h, train, gen):
    """h: [B, D, H, W] encoder output after quant_conv -> (quantized with straight-through,
    commitment loss, used code fraction)."""
    b, d, hh, ww = h.shape
    z = h.permute(0, 2, 3, 1).reshape(-1, d)
    e = model.quantize.embedding.weight
    if train and not book.initialized:
        pick = torch.randint(0, z.shape[0], (e.shape[0],), generator=gen)
        e.data.copy_(z[pick].detach())
        book.sum.copy_(e.data)
        book.size.fill_(1.0)
        book.initialized = True
    dist = (z.detach() ** 2).sum(1, keepdim=True) + (e ** 2).sum(1) - 2 * z.detach() @ e.t()
    idx = dist.argmin(1)
    q = e[idx]
    if train:
        with torch.no_grad():
            onehot = F.one_hot(idx, e.shape[0]).float()
            book.size.mul_(book.decay).add_(onehot.sum(0), alpha=1 - book.decay)
            book.sum.mul_(book.decay).add_(onehot.t() @ z.detach(), alpha=1 - book.decay)
            n = book.size.sum()
            size = (book.size + 1e-5) / (n + e.shape[0] * 1e-5) * n
            e.data.copy_(book.sum / size[:, None])
            dead = book.size < 0.03
            if dead.any():
                k = int(dead.sum())
                pick = torch.randint(0, z.shape[0], (k,), generator=gen)
                e.data[dead] = z[pick].detach()
                book.sum[dead] = z[pick].detach()
                book.size[dead] = 1.0
    commit = F.mse_loss(z, q.detach())
    q = z + (q - z).detach()
    used = idx.unique().numel() / e.shape[0]
    return q.reshape(b, hh, ww, d).permute(0, 3, 1, 2), commit, used


def reconstruct(model, book, x, train, gen):
    """x: [B, 3, H, W] in [0, 1] -> reconstruction in [-1, 1], commitment loss, used fraction."""
    h = model.quant_conv(model.encoder(2 * x - 1))
    q, commit, used = quantize(model, book, h, train, gen)
    return model.decoder(model.post_quant_conv(q)), commit, used


def batch(canvases, step, args, full):
    gen = step_generator(args.seed, step, stream=1)
    pick = torch.randint(0, canvases.shape[0], (args.batch,), generator=gen)
    x = canvases[pick]
    if full:
        return x, gen
    side = args.crop
    limit = x.shape[-1] - side + 1
    r = torch.randint(0, limit, (args.batch,), generator=gen)
    c = torch.randint(0, limit, (args.batch,), generator=gen)
    return torch.stack([x[i, :, r[i]:r[i] + side, c[i]:c[i] + side] for i in range(args.batch)]), gen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--every", type=int, default=250)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    canvases, _ = load_canvases(args.prompts)
    print(f"{canvases.shape[0]} canvases from {args.prompts}", flush=True)
    model = VQGAN(**VQGAN_CONFIG)
    book = EMACodebook(VQGAN_CONFIG["n_embed"], VQGAN_CONFIG["embed_dim"])
    model.quantize.embedding.weight.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=args.lr, betas=(0.5, 0.9))
    step = 0
    if os.path.exists(args.out):
        s = torch.load(args.out, weights_only=False)
        model.load_state_dict(s["model"])
        opt.load_state_dict(s["optimizer"])
        book.load(s["codebook"])
        step = s["step"]
        print(f"resumed at step {step}", flush=True)

    full_from = args.steps * 19 // 20
    t0, log = time.time(), []
    while step < args.steps:
        lr = args.lr * 0.5 * (1 + math.cos(math.pi * step / args.steps))
        for g in opt.param_groups:
            g["lr"] = lr
        x, gen = batch(canvases, step, args, full=step >= full_from)
        y, commit, used = reconstruct(model, book, x, True, gen)
        target = 2 * x - 1
        rec = F.mse_loss(y, target) + F.l1_loss(y, target)
        loss = rec + 0.25 * commit
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        log.append(rec.item())
        if step % 50 == 0:
            print(f"step {step}/{args.steps} rec {sum(log[-50:]) / 50:.4f} commit {commit.item():.4f} "
                  f"codes used {used:.2f} lr {lr:.2e} {time.time() - t0:.0f}s", flush=True)
        if step % args.every == 0 or step == args.steps:
            save_atomic(dict(model=model.state_dict(), optimizer=opt.state_dict(), codebook=book.state(),
                             step=step, config=VQGAN_CONFIG, args=vars(args)), args.out)


if __name__ == "__main__":
    main()
