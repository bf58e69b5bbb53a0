"""Reads the activations, scores and task-vectors files vtv wrote for the official-small model
(see CollectTests) with h5py and checks dtypes, shapes and attributes against docs/formats.md,
recomputing in numpy what can be recomputed independently: the projected task means of the
published code (fixture.h5), the taskness scores of docs/paper.md#taskness at granularity 1, and
each task vector as the task mean at the one-shot source position. Exits non-zero with a
message on the first mismatch.

usage: check_activations.py A.h5 S.h5 TV.h5 fixture.h5"""
import sys

import h5py
import numpy as np

TASKS = ["colorization", "identity", "inpaint", "lowlight_enhance", "segmentation"]
GRID, HALF = 14, 7


def expect(cond, what):
    if not cond:
        print(f"MISMATCH: {what}")
        sys.exit(1)


def dataset(f, path, dtype, shape):
    expect(path in f, f"{f.name}: no dataset {path}")
    d = f[path]
    expect(d.dtype == dtype, f"{path}: dtype {d.dtype}, expected {dtype}")
    expect(d.shape == tuple(shape), f"{path}: shape {d.shape}, expected {tuple(shape)}")
    return d[()]


def rel(a, b):
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300))


a_path, s_path, tv_path, fixture_path = sys.argv[1:5]
fixture = h5py.File(fixture_path, "r")

# Activations file.
with h5py.File(a_path, "r") as a:
    expect(a.attrs["format"] == "vtv-activations" and a.attrs["version"] == 1, "activations format/version")
    model_hash = a.attrs["model_hash"]
    expect(isinstance(model_hash, str) and len(model_hash) == 16, f"model_hash {model_hash!r}")
    c = a["config"].attrs
    expect((c["enc_dim"], c["enc_depth"], c["enc_heads"], c["dec_dim"], c["dec_depth"], c["dec_heads"]) == (64, 3, 4, 32, 2, 4),
           "config attributes")
    expect(a.attrs.get("prompt_identity") == "content", f"prompt_identity {a.attrs.get('prompt_identity')!r}")
    expect(sorted(a["tasks"].keys()) == TASKS, f"tasks {list(a['tasks'].keys())}")
    means, variances = {}, {}
    for task in TASKS:
        g = a["tasks"][task]
        expect(g.attrs["count"] == 3, f"{task} count {g.attrs['count']}")
        # Prompts are named by what they are made of (docs/formats.md): fixture prompts 0-2.
        def identity_tail(i):
            rec = fixture["prompts"][str(i)].attrs
            cls = f" class={int(rec['class'])}" if "class" in rec else ""
            row, col = (int(x) for x in rec["inpaint_square_hw"])
            return f" query={rec['query']} support={rec['support']}{cls} square={row},{col}"
        expect(len(g.attrs["prompts"]) == 3 and all(str(p).endswith(identity_tail(i)) for i, p in enumerate(g.attrs["prompts"])),
               f"{task} prompts {g.attrs['prompts']!r}")
        for stack, shape in [("encoder", (3, 148, 4, 16)), ("decoder", (2, 197, 4, 8))]:
            m = dataset(g, f"{stack}_mean", np.float64, shape)
            v = dataset(g, f"{stack}_var", np.float64, shape)
            expect((v >= 0).all(), f"{task} {stack}_var has negative values")
            means[task, stack], variances[task, stack] = m, v
            # The published code records W_h o + b: apply each head's slice of attn.proj to our o.
            prefix = "blocks" if stack == "encoder" else "decoder_blocks"
            width, hw = shape[2] * shape[3], shape[3]
            projected = np.empty(shape[:3] + (width,))
            for layer in range(shape[0]):
                w = fixture[f"weights/{prefix}.{layer}.attn.proj.weight"][()].astype(np.float64)
                b = fixture[f"weights/{prefix}.{layer}.attn.proj.bias"][()].astype(np.float64)
                for h in range(shape[2]):
                    projected[layer, :, h] = m[layer, :, h] @ w[:, h * hw:(h + 1) * hw].T + b
            published = fixture[f"task_means/{task}/{stack}_projected"][()]
            expect(rel(projected, published) < 1e-4, f"{task} {stack}: projected means differ from the published ones")

# Scores file (granularity 1, all five tasks).
def group_tokens():
    """One-shot source tokens of every granularity-1 group: encoder cls/query, decoder cls/Q3/Q4."""
    query = list(range(1 + 98, 50 + 98))
    q3 = [a + 98 for a in range(1, 99) if (GRID * HALF + a - 1) % GRID < HALF]
    q4 = [a + 98 for a in range(1, 99) if (GRID * HALF + a - 1) % GRID >= HALF]
    return {"encoder": [[0], query], "decoder": [[0], q3, q4]}


with h5py.File(s_path, "r") as s:
    expect(s.attrs["format"] == "vtv-scores" and s.attrs["version"] == 1, "scores format/version")
    expect(s.attrs["granularity"] == 1 and s.attrs["model_hash"] == model_hash, "scores granularity/model_hash")
    expect([str(t) for t in s.attrs["tasks"]] == TASKS, f"scores tasks {s.attrs['tasks']!r}")
    expect(s.attrs["epsilon"] == 1e-6, "epsilon")
    nvar = 3 * 4 * 2 + 2 * 4 * 3
    scores = dataset(s, "scores", np.float64, [nvar])
    ranking = dataset(s, "ranking", np.int32, [nvar])
    variables = dataset(s, "variables", np.int32, [nvar, 4])
    expect(sorted(ranking.tolist()) == list(range(nvar)), "ranking is a permutation")
    expect((np.diff(scores[ranking]) <= 0).all(), "ranking is by decreasing score")
    expect([str(n) for n in s["variables"].attrs["decoder_groups"]] == ["cls", "Q3", "Q4"], "decoder_groups")
    expect(len(s.attrs["top_names"]) == nvar and str(s.attrs["top_names"][0]).startswith(
        ("encoder", "decoder")), "top_names")
    groups = group_tokens()
    expected = []
    for stack, (depth, heads) in [("encoder", (3, 4)), ("decoder", (2, 4))]:
        m = np.stack([means[t, stack] for t in TASKS])
        v = np.stack([variances[t, stack] for t in TASKS])
        ratio = m.var(axis=0) / (v.mean(axis=0) + 1e-6)  # [layer, token, head, feature]
        for layer in range(depth):
            for h in range(heads):
                for g, tokens in enumerate(groups[stack]):
                    expected.append(ratio[layer, tokens, h].sum())
                    row = variables[len(expected) - 1].tolist()
                    expect(row == [0 if stack == "encoder" else 1, layer, h, g], f"variables row {row}")
    expect(rel(scores, np.array(expected)) < 1e-9, "scores differ from the numpy taskness")

# Task-vectors file (segmentation, made from the activations).
with h5py.File(tv_path, "r") as tv:
    expect(tv.attrs["format"] == "vtv-taskvectors" and tv.attrs["version"] == 1, "task-vectors format/version")
    expect(tv.attrs["task"] == "segmentation" and tv.attrs["granularity"] == 1, "task-vectors task/granularity")
    expect(tv.attrs["model_hash"] == model_hash and isinstance(tv.attrs["origin"], str), "task-vectors hash/origin")
    # The prompts the means were taken over, read off their identities in the activations file.
    with h5py.File(a_path, "r") as a:
        identities = [str(p) for p in a["tasks/segmentation"].attrs["prompts"]]
    words = [i.split(" ") for i in identities]
    sources = sorted({w[0].split("#")[0] for w in words})
    classes = sorted({int(x[len("class="):]) for w in words for x in w[1:] if x.startswith("class=")})
    expect(list(tv.attrs["means_sources"]) == sources, f"task-vectors means_sources {tv.attrs['means_sources']}")
    expect(int(tv.attrs["means_prompts"]) == len(identities), "task-vectors means_prompts")
    recorded = np.asarray(tv.attrs["means_classes"])
    expect(recorded.dtype == np.int64 and recorded.tolist() == classes, f"task-vectors means_classes {recorded}")
    k = tv["variables"].shape[0]
    dataset(tv, "variables", np.int32, [k])
    total = 0
    for stack, hw in [("encoder", 16), ("decoder", 8)]:
        n = tv[f"{stack}/rows"].shape[0]
        rows = dataset(tv, f"{stack}/rows", np.int32, [n, 3])
        vectors = dataset(tv, f"{stack}/vectors", np.float32, [n, hw])
        for (layer, h, t), vector in zip(rows, vectors):
            source = 0 if t == 0 else t + 98
            want = means["segmentation", stack][layer, source, h].astype(np.float32)
            expect(np.array_equal(vector, want), f"{stack} vector ({layer}, {h}, {t}) is not the mean at token {source}")
        total += n
    expect(k > 0 and total > 0, "the task vectors are empty")
print("h5py read the activations, scores and task-vectors files")
