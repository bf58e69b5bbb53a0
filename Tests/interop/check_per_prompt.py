"""Reads the per-prompt head outputs vtv collect --per-prompt wrote (see PerPromptCollectTests) with
h5py and checks them against docs/formats.md: one chunk per prompt, Fletcher32, float32, rows in
the task's prompt order whose mean is the task's stored mean. Shows that h5py reads one prompt
lazily: in a copy whose first chunk is damaged, prompt 1 still reads (equal to the original) while
prompt 0 is refused by its checksum, so reading d[1] touched no other chunk. With a geometry folder
(vtv score --geometry), recomputes in numpy the cosines between task means, the within/between-task
cosines of prompts and the 2-D PCA projection, and compares them with geometry.json. Exits non-zero
with a message on the first mismatch.

usage: check_per_prompt.py A.h5 [GEOMETRY_DIR]"""
import json
import os
import shutil
import sys
import tempfile

import h5py
import numpy as np


def expect(cond, what):
    if not cond:
        print(f"MISMATCH: {what}")
        sys.exit(1)


def rel(a, b):
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300))


path = sys.argv[1]
rows = {}
with h5py.File(path, "r") as f:
    tasks = sorted(f["tasks"].keys())
    for task in tasks:
        g = f["tasks"][task]
        count = int(g.attrs["count"])
        for stack in ["encoder", "decoder"]:
            d = g[f"prompt_{stack}"]
            mean = g[f"{stack}_mean"]
            expect(d.dtype == np.float32, f"{task} {stack}: dtype {d.dtype}")
            expect(d.shape == (count,) + mean.shape, f"{task} {stack}: shape {d.shape}, mean {mean.shape}")
            expect(d.chunks == (1,) + mean.shape, f"{task} {stack}: chunks {d.chunks}")
            expect(d.fletcher32, f"{task} {stack}: no Fletcher32")
            expect(d.id.get_num_chunks() == count, f"{task} {stack}: {d.id.get_num_chunks()} chunks")
            values = np.stack([d[i] for i in range(count)]).astype(np.float64)
            expect(rel(values.mean(axis=0), mean[()]) < 1e-6, f"{task} {stack}: rows do not average to the mean")
            rows[(task, stack)] = values

# Lazy reading: damage prompt 0's chunk in a copy; prompt 1 must still read.
task = tasks[0]
work = tempfile.mkdtemp()
try:
    copy = os.path.join(work, "copy.h5")
    shutil.copyfile(path, copy)
    with h5py.File(path, "r") as f:
        d = f["tasks"][task]["prompt_encoder"]
        info = d.id.get_chunk_info(0)
        second = d[1]
    with open(copy, "r+b") as out:
        out.seek(info.byte_offset + info.size // 2)
        out.write(b"\xa5" * 64)
    with h5py.File(copy, "r") as f:
        d = f["tasks"][task]["prompt_encoder"]
        expect(np.array_equal(d[1], second), "prompt 1 differs in the copy with a damaged prompt 0")
        try:
            d[0]
            expect(False, "the damaged prompt 0 was read without a checksum error")
        except OSError:
            pass
finally:
    shutil.rmtree(work)
print(f"h5py read prompt 1 of {task} alone ({info.size} bytes per chunk)")

if len(sys.argv) > 2:
    report = json.load(open(os.path.join(sys.argv[2], "geometry.json")))
    tasks = report["tasks"]
    units = report["units"]

    def unit_vectors(values, unit):
        stack, layer, head = unit.split()
        layer, head = int(layer[1:]), int(head[1:])
        return values[..., layer, :, head, :].reshape(values.shape[0], -1) if values.ndim == 5 else None

    def cos(x, y):
        nx, ny = np.linalg.norm(x), np.linalg.norm(y)
        return float(x @ y / (nx * ny)) if nx > 0 and ny > 0 else 0.0

    with h5py.File(path, "r") as f:
        for u, unit in enumerate(units):
            stack = unit.split()[0]
            vecs = {t: unit_vectors(rows[(t, stack)], unit) for t in tasks}
            for a, ta in enumerate(tasks):
                ma = unit_vectors(f["tasks"][ta][f"{stack}_mean"][()][None], unit)[0]
                for b, tb in enumerate(tasks):
                    mb = unit_vectors(f["tasks"][tb][f"{stack}_mean"][()][None], unit)[0]
                    got = report["mean_cosines"][a][b][u]
                    expect(abs(got - cos(ma, mb)) < 1e-9, f"mean cosine {ta}/{tb} {unit}: {got} vs {cos(ma, mb)}")
                    pairs = [cos(x, y) for i, x in enumerate(vecs[ta]) for j, y in enumerate(vecs[tb])
                             if ta != tb or i != j]
                    got = report["clustering"]["pair_cosines"][a][b][u]
                    if pairs:
                        expect(abs(got - np.mean(pairs)) < 1e-6, f"prompt cosine {ta}/{tb} {unit}: {got} vs {np.mean(pairs)}")
                    else:
                        expect(got is None, f"{ta} has one prompt but a within-task cosine {got}")

    p = report["projection"]
    stack = p["unit"].split()[0]
    x = np.concatenate([unit_vectors(rows[(t, stack)], p["unit"]) for t in tasks])
    x = x - x.mean(axis=0)
    u_, s, _ = np.linalg.svd(x, full_matrices=False)
    coords = u_[:, :2] * s[:2]
    for k in range(2):
        largest = int(np.argmax(np.abs(coords[:, k])))
        if coords[largest, k] < 0:
            coords[:, k] *= -1
    got = np.array([[q["x"], q["y"]] for q in p["points"]])
    expect(rel(got, coords) < 1e-6, f"projection differs from numpy's PCA by {rel(got, coords)}")
    explained = s[:2] ** 2 / (s ** 2).sum()
    expect(np.abs(np.array(p["explained"]) - explained).max() < 1e-9, f"explained {p['explained']} vs {explained}")
    print(f"numpy recomputed the geometry of {len(units)} heads and the projection of {p['unit']}")
print("h5py read the per-prompt outputs")
