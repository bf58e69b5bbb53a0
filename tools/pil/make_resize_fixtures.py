#!/usr/bin/env python3
"""Writes Pillow's reference outputs for the Imaging tests into Tests/Fixtures/pil/.

Each case is a source image and Pillow's result; the Swift tests decode both and demand exact
equality. Sources are synthetic (gradients, stripes, hard-edged shapes, a little seeded noise) so
that they compress well yet exercise ringing and clipping of the bicubic filter.

  python3 tools/pil/make_resize_fixtures.py        # Pillow >= 9; run from the package root

Outputs (all small):
  src_<name>.png                 source images (RGB or L)
  resize_<case>.png              Image.resize results for 8-bit cases (see CASES)
  resize_f_<case>.bin            float32 little-endian [h, w] results for mode 'F' cases
  luma_<name>.png                Image.convert('L') of an RGB source
  decode_*.{jpg,png}             encoded files, with decoded_*.png what Pillow decodes from them
  cases.txt                      one line per case: kind name source width height filter
"""
import os
import sys

import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "pil")


def synthetic(width, height, seed, channels=3):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    planes = []
    for c in range(channels):
        g = 255 * (x / max(width - 1, 1) * (0.3 + 0.2 * c) + y / max(height - 1, 1) * (0.5 - 0.1 * c))
        stripes = 60 * (np.sin(x / (3 + 2 * c)) > 0) * (y < height / 3)
        v = g + stripes
        planes.append(v)
    img = np.stack(planes, -1)
    # Hard-edged shapes: black and white discs and a box, the worst case for overshoot.
    disc = (x - width * 0.65) ** 2 + (y - height * 0.6) ** 2 < (min(width, height) * 0.2) ** 2
    img[disc] = 255
    box = (abs(x - width * 0.3) < width * 0.1) & (abs(y - height * 0.7) < height * 0.12)
    img[box] = 0
    checker = ((x // 2 + y // 2) % 2 == 0) & (x > width * 0.8) & (y > height * 0.8)
    img[checker] = 255
    noise = rng.integers(-6, 7, size=img.shape)
    img = np.clip(np.round(img) + noise * (y[..., None] > height * 0.85), 0, 255).astype(np.uint8)
    return img if channels == 3 else img[..., 0]


SOURCES = {
    "voc_like": (500, 375, 1, 3),
    "small": (37, 23, 2, 3),
    "odd": (97, 61, 3, 3),
    "square": (64, 64, 4, 3),
    "wide": (200, 50, 5, 3),
    "gray": (157, 176, 6, 1),
}

# name, source, width, height, filter
CASES = [
    ("voc_to_111_bicubic", "voc_like", 111, 111, "bicubic"),
    ("voc_to_111_bilinear", "voc_like", 111, 111, "bilinear"),
    ("small_up_111_bicubic", "small", 111, 111, "bicubic"),
    ("small_up_111_bilinear", "small", 111, 111, "bilinear"),
    ("odd_mixed_bicubic", "odd", 40, 83, "bicubic"),
    ("odd_mixed_bilinear", "odd", 40, 83, "bilinear"),
    ("square_vertical_only", "square", 64, 31, "bicubic"),
    ("wide_horizontal_only", "wide", 71, 50, "bicubic"),
    ("wide_to_55", "wide", 55, 55, "bicubic"),
    ("gray_to_111", "gray", 111, 111, "bicubic"),
    ("gray_up_300x251", "gray", 300, 251, "bilinear"),
]

F_CASES = [
    ("gray_f_to_111", "gray", 111, 111, "bicubic"),
    ("odd_f_mixed", "odd", 40, 83, "bilinear"),
]

FILTERS = {"bicubic": Image.BICUBIC, "bilinear": Image.BILINEAR}


def main():
    os.makedirs(OUT, exist_ok=True)
    lines = []
    images = {}
    for name, (w, h, seed, ch) in SOURCES.items():
        im = Image.fromarray(synthetic(w, h, seed, ch))
        images[name] = im
        im.save(os.path.join(OUT, f"src_{name}.png"))
    for name, src, w, h, flt in CASES:
        images[src].resize((w, h), FILTERS[flt]).save(os.path.join(OUT, f"resize_{name}.png"))
        lines.append(f"resize {name} {src} {w} {h} {flt}")
    for name, src, w, h, flt in F_CASES:
        im = images[src]
        if im.mode != "L":
            im = im.convert("L")
        f = Image.fromarray(np.asarray(im).astype(np.float32) / 255.0, "F")
        out = np.asarray(f.resize((w, h), FILTERS[flt]), dtype="<f4")
        out.tofile(os.path.join(OUT, f"resize_f_{name}.bin"))
        lines.append(f"resize_f {name} {src} {w} {h} {flt}")
    for name in ("voc_like", "odd"):
        images[name].convert("L").save(os.path.join(OUT, f"luma_{name}.png"))
        lines.append(f"luma {name} {name} 0 0 none")

    # Decoding: files Pillow writes, and what Pillow reads back from them.
    rgb = images["odd"]
    rgb.save(os.path.join(OUT, "decode_baseline.jpg"), quality=90)
    rgb.save(os.path.join(OUT, "decode_progressive.jpg"), quality=75, progressive=True)
    rgb.convert("L").save(os.path.join(OUT, "decode_gray.jpg"), quality=85)
    for f in ("decode_baseline.jpg", "decode_progressive.jpg", "decode_gray.jpg"):
        Image.open(os.path.join(OUT, f)).save(os.path.join(OUT, "decoded_" + f[len("decode_"):-4] + ".png"))
    # A VOC-style palette label image: indices 0..20 and 255, with a colour palette.
    labels = np.zeros((23, 37), np.uint8)
    labels[3:15, 4:20] = 7
    labels[10:20, 15:30] = 15
    labels[2:4, :] = 255
    pal = Image.fromarray(labels, "P")
    palette = []
    for i in range(256):
        palette += [(i * 37) % 256, (i * 91) % 256, (i * 53) % 256]
    pal.putpalette(palette)
    pal.save(os.path.join(OUT, "decode_palette.png"))
    np.asarray(Image.open(os.path.join(OUT, "decode_palette.png"))).astype(np.uint8).tofile(
        os.path.join(OUT, "decoded_palette_indices.bin"))
    Image.open(os.path.join(OUT, "decode_palette.png")).convert("RGB").save(
        os.path.join(OUT, "decoded_palette_rgb.png"))
    # A 4-bit palette image (sub-byte indices must unpack to 0..15, not be scaled).
    pal4 = Image.fromarray((labels % 16).astype(np.uint8), "P")
    pal4.putpalette(palette[: 16 * 3])
    pal4.save(os.path.join(OUT, "decode_palette4.png"), bits=4)
    np.asarray(Image.open(os.path.join(OUT, "decode_palette4.png"))).astype(np.uint8).tofile(
        os.path.join(OUT, "decoded_palette4_indices.bin"))
    # 16-bit: Pillow writes a 16-bit gray PNG from an I;16 image.
    g16 = (np.arange(23 * 37, dtype=np.uint16).reshape(23, 37) * 71).astype(np.uint16)
    Image.fromarray(g16).save(os.path.join(OUT, "decode_gray16.png"))
    (g16 >> 8).astype(np.uint8).tofile(os.path.join(OUT, "decoded_gray16_high.bin"))
    rgba = np.dstack([np.asarray(rgb)[:23, :37], np.full((23, 37), 128, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(os.path.join(OUT, "decode_rgba.png"))

    with open(os.path.join(OUT, "cases.txt"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("wrote", len(os.listdir(OUT)), "files to", os.path.normpath(OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
