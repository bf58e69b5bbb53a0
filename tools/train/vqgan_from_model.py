"""Take the VQGAN tokenizer out of a vtv model file, as a checkpoint train_mae.py accepts.

Retraining only the MAE against an existing tokenizer (the embedded default's, say) keeps every
token target, and so every measured VQGAN bound, identical, and saves the tokenizer's 20 minutes:

    python3 tools/train/vqgan_from_model.py --model Sources/Pipeline/Resources/vtv-small.h5 --out work/vqgan.pt

The model file keeps the VQGAN under `/weights/vae.<state-dict name>` with PyTorch shapes
(docs/formats.md); the result is `{"model": state_dict, "step": 0, "source": path}`. Refuses a
file whose VQGAN does not match tools/train's configuration, naming the first mismatch.
"""
import argparse
import sys

import h5py
import torch

from common import VQGAN_CONFIG, save_atomic
from torch_vqgan import VQGAN


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="a vtv model file (HDF5)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    expected = VQGAN(**VQGAN_CONFIG).state_dict()
    with h5py.File(args.model, "r") as f:
        weights = f["weights"]
        found = {k[len("vae."):]: weights[k][()] for k in weights.keys() if k.startswith("vae.")}
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    if missing or extra:
        sys.exit(f"{args.model}: VQGAN does not match tools/train's configuration "
                 f"(missing {missing[:3]}, unexpected {extra[:3]})")
    state = {}
    for name, want in expected.items():
        got = torch.from_numpy(found[name])
        if tuple(got.shape) != tuple(want.shape):
            sys.exit(f"{args.model}: vae.{name} has shape {tuple(got.shape)}, expected {tuple(want.shape)}")
        state[name] = got.to(want.dtype)
    VQGAN(**VQGAN_CONFIG).load_state_dict(state)  # one more check: strict load
    save_atomic({"model": state, "step": 0, "source": args.model}, args.out)
    print(f"wrote {args.out}: {len(state)} VQGAN tensors from {args.model}")


if __name__ == "__main__":
    main()
