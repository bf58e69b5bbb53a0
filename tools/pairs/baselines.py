#!/usr/bin/env python3
"""Scores of trivial answers on a pairs:DIR folder, next to which `vtv eval`'s numbers can be read.

Offline tool (NumPy, Pillow); nothing in vtv's build or tests runs it. The metric is `vtv eval`'s
normalized MSE (docs/paper.md#metrics): both images as ImageNet-normalized values
((v/255 - mean)/std per channel), the squared difference averaged over pixels and channels; here
on the stored images as they are (make_pairs.py writes them at the quadrant's size, so they are
the canvases' answers). Mean ± 95% confidence half-width over the pairs, as `vtv eval` reports:

  constant mid-grey       every answer the 8-bit grey 128
  constant set mean       every answer the mean output colour of the whole folder (uses the answers)
  the query itself        the input as the answer (what a model that copies scores)
  own mean colour         each answer its own output's mean colour (an oracle: uses the answer)

  python3 tools/pairs/baselines.py /tmp/invert/eval
"""

import os
import sys

import numpy as np
from PIL import Image

MEAN = np.array([0.485, 0.456, 0.406])
STD = np.array([0.229, 0.224, 0.225])


def normalized(values):
    return (values / 255.0 - MEAN) / STD


def load(folder, side, names):
    images = []
    for name in names:
        with Image.open(os.path.join(folder, side, name)) as image:
            images.append(normalized(np.asarray(image.convert("RGB"), dtype=np.float64)))
    if len({image.shape for image in images}) != 1:
        sys.exit(f"error: the images of {os.path.join(folder, side)} differ in size; this tool needs one size")
    return np.stack(images)


def summary(per_pair):
    half = 1.96 * per_pair.std(ddof=1) / np.sqrt(len(per_pair))
    return f"{per_pair.mean():.3f} ± {half:.3f}"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: baselines.py DIR (a pairs folder: DIR/input/NAME.png, DIR/output/NAME.png)")
    folder = sys.argv[1]
    names = sorted(os.listdir(os.path.join(folder, "output")))
    if sorted(os.listdir(os.path.join(folder, "input"))) != names or len(names) < 2:
        sys.exit(f"error: {folder}: input/ and output/ must hold the same file names, at least 2")
    answers = load(folder, "output", names)
    queries = load(folder, "input", names)

    def mse(prediction):
        return ((answers - prediction) ** 2).mean(axis=(1, 2, 3))

    print(f"{folder}: {len(names)} pairs, normalized MSE of trivial answers")
    print(f"  constant mid-grey:  {summary(mse(normalized(np.full(3, 128.0))))}")
    print(f"  constant set mean:  {summary(mse(answers.mean(axis=(0, 1, 2))))}")
    print(f"  the query itself:   {summary(mse(queries))}")
    print(f"  own mean colour:    {summary(mse(answers.mean(axis=(1, 2), keepdims=True)))}")


if __name__ == "__main__":
    main()
