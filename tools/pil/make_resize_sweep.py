#!/usr/bin/env python3
"""Writes Pillow's outputs for a sweep of input sizes into Tests/Fixtures/pil/sweep/, for
Tests/PromptsTests/PillowSweepTests.swift, which rebuilds every case with vtv and demands zero
differing values.

  python3 tools/pil/make_resize_sweep.py        # Pillow 13.x, numpy; run from the package root

What the published loader does with one image (evaluate/pascal_dataloader.py, torchvision
`Resize((q, q), 3)` + `ToTensor()` on PIL images), and so what every case runs:
  rgb   Image.open(jpg).convert('RGB').resize((q, q), BICUBIC)
  gray  that resized RGB image .convert('L')                      (colorization's input)
  mask  labels -> 255 where label == class else 0 (boundary 255 included in 'else'),
        Image.fromarray(uint8 mask) (mode 'L') .resize((q, q), BICUBIC)
for q = 111 (the published 224 canvas) and q = 55 (vtv-small's 112 canvas).

Sizes (W x H of the input), 5,577 cases in all:
  - q = 55: every W and H in 1..64, all 4096 pairs (shrinking, growing, equal, odd and even sides,
    and both of Pillow 13's pass orders);
  - q = 111: every W in 1..64 with H in EDGES = (1, 2, 3, 31, 32, 63, 64), and every H with W in
    EDGES (847 pairs, not all 4096: below 111 both axes grow, so Pillow runs the horizontal pass on
    every row and then the vertical one; each output is fixed by one 1-D filter per axis, which
    depends on W alone and H alone, and these pairs run every such filter; all 4096 would cost the
    Swift test, a debug build, about a minute more);
  - both q: 300 random pairs up to 800 (numpy default_rng(22): 100 with W, H uniform in 1..800,
    200 log-uniform with max(W, H) > 64, for extreme portraits and landscapes) and named ones
    (VOC's 500 x 375 and 375 x 500, narrow portraits, one-pixel lines, sizes equal to or next to q).

Inputs are generated from the size alone, identically in Swift (`SweepImages` in the test), with
a counter-based integer hash, all arithmetic modulo 2^64:
  mix64(z)  = SplitMix64's finaliser: z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27;
              z *= 0x94D049BB133111EB; z ^= z >> 31
  noise(s, x, y, c) = mix64(s * 0x9E3779B97F4A7C15 + x * 0xD1B54A32D192ED03
                            + y * 0xABC98388FB8FAC03 + c * 0x8CB92BA72F3D8DD7)
  s = W * 4096 + H
  RGB sample (x, y, c): the 4x4 block's b = noise(s, x // 4, y // 4, 3) picks one of
    b % 4 == 0: noise            noise(s, x, y, c) & 255
    b % 4 == 1: gradient         (gx * (c + 1) + gy * (3 - c)) // 4,
                                 gx = 255 * x // max(W - 1, 1), gy = 255 * y // max(H - 1, 1)
    b % 4 == 2: hard stripes     255 if ((x + (c + 1) * y) // 3) % 2 == 0 else 0
    b % 4 == 3: flat colour      (b >> (8 + 8 * c)) & 255
  label (x, y): regions of side r = (1, 2, 3, 5, 8, 13, 21)[s % 7], v = noise(s, x // r, y // r, 4);
    the class k = 1 + s % 20 if v % 3 == 0, else (v >> 2) % 22 with 21 meaning 255 (boundary).
  The class segmented is k = 1 + s % 20.

Outputs (about 0.65 MB):
  sweep.txt     `case W H Q RGB GRAY MASK`: the 64-bit hash (hex, `hash_rows`) of each output's
                bytes, RGB as [q, q, 3] row-major, GRAY and MASK as [q, q]; `input W H IMAGE LABELS`: the same
                hash of a few generated inputs ([H, W, 3] and [H, W]), so the test can tell a
                generator mismatch from a resize mismatch; `full W H Q FILE` names the full arrays.
  full_<W>x<H>_q<Q>.bin   full outputs of a few cases for diagnosis: rgb, gray, mask bytes in turn.
"""
import os
import sys

import numpy as np
import PIL
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "pil", "sweep")
SIDES = (111, 55)
U64 = np.uint64


def mix64(z):
    z = z ^ (z >> U64(30))
    z = z * U64(0xBF58476D1CE4E5B9)
    z = z ^ (z >> U64(27))
    z = z * U64(0x94D049BB133111EB)
    return z ^ (z >> U64(31))


def noise(s, x, y, c):
    return mix64(U64(s) * U64(0x9E3779B97F4A7C15) + x * U64(0xD1B54A32D192ED03)
                 + y * U64(0xABC98388FB8FAC03) + U64(c) * U64(0x8CB92BA72F3D8DD7))


def seed(w, h):
    return w * 4096 + h


def make_rgb(w, h):
    """[h, w, 3] uint8, as documented above."""
    s = seed(w, h)
    y, x = np.mgrid[0:h, 0:w].astype(np.uint64)
    b = noise(s, x // U64(4), y // U64(4), 3)
    kind = b % U64(4)
    xi, yi = x.astype(np.int64), y.astype(np.int64)
    gx = 255 * xi // max(w - 1, 1)
    gy = 255 * yi // max(h - 1, 1)
    planes = []
    for c in range(3):
        v_noise = (noise(s, x, y, c) & U64(255)).astype(np.int64)
        v_grad = (gx * (c + 1) + gy * (3 - c)) // 4
        v_stripe = np.where(((xi + (c + 1) * yi) // 3) % 2 == 0, 255, 0)
        v_flat = ((b >> U64(8 + 8 * c)) & U64(255)).astype(np.int64)
        v = np.select([kind == 0, kind == 1, kind == 2], [v_noise, v_grad, v_stripe], v_flat)
        planes.append(v.astype(np.uint8))
    return np.stack(planes, -1)


def class_of(w, h):
    return 1 + seed(w, h) % 20


def make_labels(w, h):
    """[h, w] uint8 label indices (0..20, 255), as documented above."""
    s = seed(w, h)
    r = U64((1, 2, 3, 5, 8, 13, 21)[s % 7])
    y, x = np.mgrid[0:h, 0:w].astype(np.uint64)
    v = noise(s, x // r, y // r, 4)
    other = ((v >> U64(2)) % U64(22)).astype(np.int64)
    other[other == 21] = 255
    return np.where(v % U64(3) == 0, class_of(w, h), other).astype(np.uint8)


def loader_outputs(rgb, labels, cls, q):
    """The published loader's three quadrant images, as uint8 arrays."""
    resized = Image.fromarray(rgb, "RGB").resize((q, q), Image.BICUBIC)
    gray = resized.convert("L")
    mask = labels.copy()
    is_class = mask == cls
    mask[~is_class] = 0
    mask[is_class] = 255
    mask = Image.fromarray(mask.astype(np.uint8), "L").resize((q, q), Image.BICUBIC)
    return np.asarray(resized), np.asarray(gray), np.asarray(mask)


def hash_rows(rows):
    """The sweep's 64-bit hash of each row of a [n, bytes] uint8 matrix: h = byte count, then for
    each 64-bit little-endian word of the bytes (the last one zero-padded) h = mix64(h ^ word).
    Words rather than bytes make 8 times fewer steps for the Swift test's debug build; mix64
    spreads every bit of every word over the whole hash. Column by column, all rows at once."""
    pad = (-rows.shape[1]) % 8
    words = np.pad(rows, ((0, 0), (0, pad))).view("<u8").astype(np.uint64)
    h = np.full(rows.shape[0], rows.shape[1], np.uint64)
    for j in range(words.shape[1]):
        h = mix64(h ^ words[:, j])
    return h


# Heights paired with every width (and widths with every height) at q = 111 in the 1..64 grid.
EDGES = (1, 2, 3, 31, 32, 63, 64)


def sizes():
    """[(W, H, sides)] in the order of sweep.txt."""
    small = []
    for w in range(1, 65):
        for h in range(1, 65):
            small.append((w, h, SIDES if (w in EDGES or h in EDGES) else (55,)))
    rng = np.random.default_rng(22)
    uniform = rng.integers(1, 801, size=(100, 2))
    log_uniform = []
    while len(log_uniform) < 200:  # portrait and landscape extremes, outside the 1..64 grid
        w, h = np.clip(np.rint(np.exp(rng.uniform(0, np.log(800.5), size=2))), 1, 800).astype(int)
        if max(w, h) > 64:
            log_uniform.append((w, h))
    random = [(int(w), int(h)) for w, h in list(uniform) + log_uniform]
    named = [(500, 375), (375, 500), (500, 333), (333, 500), (500, 281), (240, 500), (180, 500),
             (500, 180), (111, 111), (112, 112), (110, 110), (55, 55), (56, 56), (111, 500),
             (500, 111), (55, 400), (400, 55), (1, 800), (800, 1), (800, 800), (150, 800)]
    seen, out = {(w, h) for w, h, _ in small}, list(small)
    for w, h in random + named:
        if (w, h) not in seen:
            seen.add((w, h))
            out.append((w, h, SIDES))
    return out


# Full arrays for diagnosis: each regime of Pillow's two passes (vertical first when the height
# shrinks by more than twice what the width does, Pillow >= 13; horizontal first otherwise; one
# pass only; growing), at q = 55 and a few at q = 111.
FULL = [(64, 64, 55), (30, 64, 55), (2, 61, 55), (64, 1, 55), (17, 23, 55), (55, 64, 55), (64, 55, 55),
        (375, 500, 111), (240, 500, 111), (500, 375, 111)]
INPUT_CHECKS = [(1, 1), (2, 3), (64, 64), (63, 17), (17, 63), (375, 500), (800, 1)]


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = sizes()
    results = {q: {"rgb": [], "gray": [], "mask": []} for q in SIDES}
    rows = []  # (w, h, q, index into results[q])
    full = {(w, h, q) for w, h, q in FULL}
    lines = []
    for w, h, sides in cases:
        rgb, labels = make_rgb(w, h), make_labels(w, h)
        for q in sides:
            outs = loader_outputs(rgb, labels, class_of(w, h), q)
            rows.append((w, h, q, len(results[q]["rgb"])))
            for name, arr in zip(("rgb", "gray", "mask"), outs):
                results[q][name].append(arr.reshape(-1))
            if (w, h, q) in full:
                name = f"full_{w}x{h}_q{q}.bin"
                with open(os.path.join(OUT, name), "wb") as fh:
                    for arr in outs:
                        fh.write(np.ascontiguousarray(arr, np.uint8).tobytes())
                lines.append(f"full {w} {h} {q} {name}")
    hashes = {q: {k: hash_rows(np.stack(v)) for k, v in results[q].items()} for q in SIDES}
    for w, h, q, i in rows:
        hs = " ".join(f"{int(hashes[q][k][i]):016x}" for k in ("rgb", "gray", "mask"))
        lines.append(f"case {w} {h} {q} {hs}")
    for w, h in INPUT_CHECKS:
        hi = hash_rows(make_rgb(w, h).reshape(1, -1))[0]
        hl = hash_rows(make_labels(w, h).reshape(1, -1))[0]
        lines.append(f"input {w} {h} {int(hi):016x} {int(hl):016x}")
    header = [f"# vtv resize sweep: tools/pil/make_resize_sweep.py with Pillow {PIL.__version__}, numpy {np.__version__}",
              f"# {len(rows)} cases: {len(cases)} input sizes, quadrant sides {SIDES}",
              "# hashes: h = byte count, then h = mix64(h ^ w) for each 8-byte little-endian word w",
              "# case W H Q RGB GRAY MASK | input W H IMAGE LABELS | full W H Q FILE"]
    with open(os.path.join(OUT, "sweep.txt"), "w") as fh:
        fh.write("\n".join(header + lines) + "\n")
    vertical_first = sum((h - q) > 0 and (h - q) > 2 * (w - q) and w != q for w, h, q, _ in rows)
    print(f"wrote {len(rows)} cases ({len(cases)} sizes; {vertical_first} with Pillow 13's vertical pass first "
          f"and a horizontal pass) to {os.path.normpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    with np.errstate(over="ignore"):
        main()
