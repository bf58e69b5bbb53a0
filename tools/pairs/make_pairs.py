#!/usr/bin/env python3
"""Make a folder of image pairs for `vtv ... --source pairs:DIR` from vtv's synthetic scenes.

Offline tool (Pillow 13); nothing in vtv's build or tests runs it. The inputs are synthetic scenes
that vtv itself renders: `vtv prompts export --source synthetic:SEED --role ROLE --tasks identity`
at --canvas-size, then `vtv prompts render` of each prompt, whose query quadrant (Q3, bottom left)
is the scene. Different roles select disjoint scenes (docs/prompts.md), so one folder per role
gives collect, train and eval sets that share no scene; roles other than vtv-small's training role
`pretrain` give scenes the model never saw. The output of each pair is the input transformed by a
task the paper did not study:

  invert   colour inversion, 255 - v per channel
  flip     horizontal flip (mirror left to right)
  edges    Pillow's FIND_EDGES filter on the grey image, as RGB
  identity the input itself (a control: the same scenes with the answer a copy of the query)

Layout written (docs/prompts.md, "pairs:DIR"):

  OUT/input/sNNNN.png   the scene of prompt NNNN, quadrant x quadrant pixels
  OUT/output/sNNNN.png  its transformed version

OUT must not exist (nothing is overwritten); a failure leaves no OUT behind (built in OUT.partial,
renamed at the end). Example (vtv-small's 112 canvas, 55-pixel quadrants):

  python3 tools/pairs/make_pairs.py --vtv .build/release/vtv --task invert --role pairs-eval \\
      --count 64 --out /tmp/invert/eval
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from PIL import Image, ImageFilter, ImageOps


def transform(task, image):
    """The task's output for an RGB image."""
    if task == "invert":
        return ImageOps.invert(image)
    if task == "flip":
        return ImageOps.mirror(image)
    if task == "identity":
        return image.copy()
    if task == "edges":
        return image.convert("L").filter(ImageFilter.FIND_EDGES).convert("RGB")
    raise ValueError(f"unknown task {task}")


def quadrant_box(canvas_size):
    """Q3's (left, top, right, bottom): CanvasLayout's quadrants are floor((S - 2) / 2) wide,
    at [0, q) and [S - q, S)."""
    q = (canvas_size - 2) // 2
    return (0, canvas_size - q, q, canvas_size)


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"error: {' '.join(command)} failed ({result.returncode}):\n{result.stderr.strip()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vtv", required=True, help="the vtv executable")
    parser.add_argument("--task", required=True, choices=["invert", "flip", "edges", "identity"])
    parser.add_argument("--role", required=True, help="synthetic role choosing the scenes (not 'pretrain')")
    parser.add_argument("--count", type=int, required=True, help="number of pairs, at least 2")
    parser.add_argument("--seed", type=int, default=0, help="synthetic seed (default 0, vtv-small's)")
    parser.add_argument("--canvas-size", type=int, default=112, help="canvas side (default 112, vtv-small's)")
    parser.add_argument("--out", required=True, help="the folder to create (must not exist)")
    args = parser.parse_args()
    if args.count < 2:
        sys.exit("error: --count must be at least 2 (a prompt needs an example pair besides its query)")
    if os.path.lexists(args.out):
        sys.exit(f"error: {args.out} exists; give a new folder (nothing is overwritten)")
    partial = args.out.rstrip("/") + ".partial"
    if os.path.lexists(partial):
        sys.exit(f"error: {partial} exists (left by an interrupted run?); remove it or give another --out")
    box = quadrant_box(args.canvas_size)
    os.makedirs(partial)
    try:
        os.makedirs(os.path.join(partial, "input"))
        os.makedirs(os.path.join(partial, "output"))
        with tempfile.TemporaryDirectory() as scratch:
            prompts = os.path.join(scratch, "scenes.h5")
            run([args.vtv, "prompts", "export", "--source", f"synthetic:{args.seed}", "--role", args.role,
                 "--count", str(args.count), "--tasks", "identity", "--canvas-size", str(args.canvas_size),
                 "--out", prompts])
            for i in range(args.count):
                png = os.path.join(scratch, "canvas.png")
                run([args.vtv, "prompts", "render", "--prompts", prompts, "--index", str(i), "--task", "identity",
                     "--out", png])
                with Image.open(png) as canvas:
                    scene = canvas.convert("RGB").crop(box)
                os.remove(png)
                name = f"s{i:04d}.png"
                scene.save(os.path.join(partial, "input", name))
                transform(args.task, scene).save(os.path.join(partial, "output", name))
        os.rename(partial, args.out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    print(f"wrote {args.count} {args.task} pairs of role {args.role} to {args.out}")


if __name__ == "__main__":
    main()
