#!/usr/bin/env python3
"""What colorization can gain from its example, through the tokenizer: simple oracle answers scored
like `vtv eval` scores predictions (docs/model-card.md, "Known limits").

    python3 tools/train/colorization_bound.py --model vtv-small.h5 --prompts eval.h5 [--prompts eval2.h5 ...]

For every colorization canvas, each strategy below fills the answer quadrant Q4; the canvas is then
encoded to VQGAN tokens and decoded (the MAE can only answer in tokens, so this is the best a token
prediction of that picture can score), and Q4 is scored against the true colours with the MSE of
docs/paper.md#metrics (ImageNet-normalized, 8-bit truncation on both sides):

- `grey`: the grey query itself (what a model that does not know the task tends to answer);
- `grey + objects`: the grey query with the main object in its true colours (the class colour is
  what the example shows), background left grey;
- `support offset`: the grey query shifted by the example's mean colour (support colour quadrant
  minus support grey quadrant, per channel): the one thing an example tells about a background;
- `support offset + objects`: both;
- `true tokens`: the target itself (the tokenizer's floor).
The main object's pixels come from the prompt's segmentation canvas. Reads the VQGAN from a vtv
model file (`/weights/vae.*`), so it needs no training checkpoint.
"""
import argparse

import h5py
import numpy as np
import torch

from common import VQGAN_CONFIG
from torch_vqgan import VQGAN
from vqgan_quality import MEAN, STD, eight_bit


def mse(target, pred):
    n = lambda x: (x / 255 - MEAN) / STD
    return float(((n(eight_bit(target)) - n(eight_bit(pred))) ** 2).mean())


def load_vqgan(path):
    model = VQGAN(**VQGAN_CONFIG).eval()
    with h5py.File(path, "r") as f:
        weights = f["weights"]
        state = {k[len("vae."):]: torch.from_numpy(weights[k][()]) for k in weights if k.startswith("vae.")}
    model.load_state_dict(state)
    return model


def strategies(canvas, segmentation, side):
    """Q4 answers of one colorization canvas: name -> [3, q, q] in [0, 1]."""
    q = (side - 2) // 2
    start = side - q
    target = canvas[:, start:, start:]
    grey = canvas[:, start:, :q]
    support_grey, support_colour = canvas[:, :q, :q], canvas[:, :q, start:]
    offset = (support_colour - support_grey).reshape(3, -1).mean(1)[:, None, None]
    main = segmentation[0, start:, start:] > 0.5
    out = {}
    for name, base in (("grey", grey), ("support offset", np.clip(grey + offset, 0, 1))):
        out[name] = base
        with_objects = base.copy()
        with_objects[:, main] = target[:, main]
        out[name + " + objects"] = with_objects
    out["true tokens"] = target
    return out, start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="vtv model file whose VQGAN renders the answers")
    ap.add_argument("--prompts", required=True, action="append")
    args = ap.parse_args()
    model = load_vqgan(args.model)
    for path in args.prompts:
        with h5py.File(path, "r") as f:
            source = f.attrs.get("source", b"?")
            source = source.decode() if isinstance(source, bytes) else source
            keys = sorted(f["prompts"].keys(), key=int)
            scores = {}
            for key in keys:
                canvas = f[f"prompts/{key}/colorization/canvas"][()].astype(np.float64)
                segmentation = f[f"prompts/{key}/segmentation/canvas"][()]
                side = canvas.shape[-1]
                answers, start = strategies(canvas, segmentation, side)
                target = canvas[:, start:, start:]
                batch = []
                for answer in answers.values():
                    c = canvas.copy()
                    c[:, start:, start:] = answer
                    batch.append(c)
                with torch.no_grad():
                    x = torch.from_numpy(np.stack(batch)).float()
                    recon = model.decode_tokens(model.tokens(x), side // 8).numpy()
                for name, r in zip(answers, recon):
                    scores.setdefault(name, []).append(mse(target, r[:, start:, start:]))
        grey = np.mean(scores["grey"])
        print(f"{path} ({source}, {len(keys)} prompts): colorization MSE through the VQGAN")
        for name, values in scores.items():
            v = np.array(values)
            half = 1.96 * v.std(ddof=1) / np.sqrt(len(v))
            print(f"  {name:26s} {v.mean():.3f} ± {half:.3f}   {100 * (v.mean() / grey - 1):+.0f}% vs grey")


if __name__ == "__main__":
    main()
