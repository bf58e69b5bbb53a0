#!/usr/bin/env python3
"""Tables and plots of docs/search-efficiency.md from tools/efficiency/study.sh's outputs.

Usage: python3 tools/efficiency/analyze.py WORKDIR OUTDIR
Writes OUTDIR/images/search-efficiency-<task>.png and prints the markdown tables.

Compute is counted two ways:
  core-seconds: the search report's cpuSeconds (getrusage user + system of every rank over the
                search loop and its held-out checks; cumulative per iteration in the report);
  pixel-sample equivalents: masks x per-sample cost + held-out checks x 22 prompts x the pixel
                cost, with the per-sample costs (token, pixel) the medians over every run's
                iterations without a held-out check of (cpu delta / masks), then expressed in
                units of one pixel-reward mask.
The target: a run "reaches" the reference when its best held-out loss is at most the reference's
(same task and seed); its share is its compute up to the first check that does, over the
reference's whole run (the issue's measure; "≤ 1/4" is judged on pixel-mask equivalents, which a
loaded machine does not distort), and, stricter, over the reference's compute up to its own best check.
"""
import json
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

work, out = sys.argv[1], sys.argv[2]
TASKS = ["segmentation", "colorization"]
SEEDS = [0, 1]
CONFIGS = ["reference", "quarter", "prompt", "loo", "antithetic", "warmup", "combined"]
# The levers measured after the first study (--reuse, --adaptive-samples); kept out of the per-sample
# cost medians, so the first study's numbers stay as they were (reuse also spends CPU on drawing old masks again).
LATER = ["reuse", "loo-reuse", "loo-reuse1", "adaptive", "loo-adaptive", "loo-reuse-adaptive"]
CONFIGS += LATER
LABELS = {
    "reference": "paper procedure (batch, pixel, 40 x 32)",
    "quarter": "paper procedure at 1/4 (14 x 20)",
    "prompt": "prompt baseline (14 x 20)",
    "loo": "leave-one-out baseline (14 x 20) = --recipe fast",
    "antithetic": "antithetic masks (14 x 20)",
    "warmup": "token warm-up 30 + pixel 10 (x 20)",
    "combined": "prompt + antithetic + warm-up 30 + plateau 3 (40 x 20)",
    "reuse": "reuse 2 (14 x 20)",
    "loo-reuse": "leave-one-out + reuse 2 (14 x 20)",
    "loo-reuse1": "leave-one-out + reuse 1 (14 x 20)",
    "adaptive": "adaptive samples 10:40 (20 iterations)",
    "loo-adaptive": "leave-one-out + adaptive 20:40 (14 iterations)",
    "loo-reuse-adaptive": "leave-one-out + reuse 2 + adaptive 20:40 (14 iterations)",
}
HELD_OUT = 22
ONE, ZERO, TV = "one_shot", "zero_shot", "zero_shot_task_vectors"


def load(task, seed, config):
    path = os.path.join(work, "runs", f"{task}-s{seed}-{config}.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


runs = {(t, s, c): load(t, s, c) for t in TASKS for s in SEEDS for c in CONFIGS}
runs = {k: v for k, v in runs.items() if v is not None}


def number(x):
    return float("nan") if isinstance(x, str) else float(x)


def reward_at(settings, i):
    return "tokens" if i < settings.get("tokenWarmup", 0) else settings["reward"]


def samples(r, rec):
    """The masks of one iteration: its own count with --adaptive-samples, else the settings'."""
    return rec.get("samples") or r["settings"]["samplesPerIteration"]


# Per-sample CPU cost of each reward: iterations without a held-out check, cpu delta / masks.
per_sample = {"tokens": [], "pixel": []}
for (_, _, c), r in runs.items():
    if c in LATER:
        continue
    checked = {e["iteration"] for e in r["evaluations"]}
    previous = 0.0
    for rec in r["iterations"]:
        cpu = number(rec["cpuSeconds"])
        n = samples(r, rec)
        if rec["iteration"] + 1 not in checked and rec["iteration"] > 0:
            per_sample[reward_at(r["settings"], rec["iteration"])].append((cpu - previous) / n)
        previous = cpu
cost = {k: statistics.median(v) for k, v in per_sample.items() if v}


def units_curve(r):
    """Cumulative pixel-sample equivalents after each iteration (with its check)."""
    checked = {e["iteration"] for e in r["evaluations"]}
    total, curve = 0.0, {}
    for rec in r["iterations"]:
        i = rec["iteration"]
        n = samples(r, rec)
        total += n * cost[reward_at(r["settings"], i)] / cost["pixel"]
        if i + 1 in checked:
            total += HELD_OUT
        curve[i + 1] = total
    return curve


def best_curve(r):
    """(core-seconds, units, best held-out loss so far) at each held-out check."""
    units = units_curve(r)
    best, points = float("inf"), []
    for e in r["evaluations"]:
        best = min(best, number(e["loss"]))
        points.append((number(e["cpuSeconds"]), units[e["iteration"]], best))
    return points


print(
    "per-sample cost (median core-seconds per mask over iterations without a check): "
    + ", ".join(f"{k} {v * 1e3:.2f} ms ({len(per_sample[k])} iterations)" for k, v in cost.items())
    + f"; pixel / tokens = {cost['pixel'] / cost['tokens']:.1f}"
)
print()
rows = []
for t in TASKS:
    for s in SEEDS:
        ref = runs.get((t, s, "reference"))
        if ref is None:
            continue
        ref_curve = best_curve(ref)
        ref_best = min(p[2] for p in ref_curve)
        ref_at = next(p for p in ref_curve if p[2] <= ref_best)
        for c in CONFIGS:
            r = runs.get((t, s, c))
            if r is None:
                continue
            curve = best_curve(r)
            reach = next((p for p in curve if p[2] <= ref_best), None)
            rows.append(
                dict(
                    task=t, seed=s, config=c, best=min(p[2] for p in curve), final=r["finalLosses"]["pixel"],
                    cpu=number(r["cpuSeconds"]), units=curve[-1][1], iterations=len(r["iterations"]),
                    cpu_share=reach[0] / ref_at[0] if reach else None,
                    unit_share=reach[1] / ref_at[1] if reach else None,
                    cpu_total=reach[0] / ref_curve[-1][0] if reach else None,
                    unit_total=reach[1] / ref_curve[-1][1] if reach else None,
                    ref_best=ref_best, ref_cpu_to_best=ref_at[0], ref_units_to_best=ref_at[1],
                )
            )


# --stop-on-plateau K on the reference: the same masks and checks, stopped at the first check that is
# the K-th in a row without a better loss (what `vtv search --stop-on-plateau K` would stop at).
for t in TASKS:
    for s in SEEDS:
        ref = runs.get((t, s, "reference"))
        if ref is None:
            continue
        curve = best_curve(ref)
        ref_best = min(p[2] for p in curve)
        ref_at = next(p for p in curve if p[2] <= ref_best)
        for k in (2, 3):
            best, since, stop = float("inf"), 0, len(curve) - 1
            for j, e in enumerate(ref["evaluations"]):
                if number(e["loss"]) < best:
                    best, since = number(e["loss"]), 0
                else:
                    since += 1
                if since >= k:
                    stop = j
                    break
            kept = curve[: stop + 1]
            reach = next((p for p in kept if p[2] <= ref_best), None)
            rows.append(
                dict(
                    task=t, seed=s, config=f"plateau {k} (reference stopped)", best=kept[-1][2], final=float("nan"),
                    cpu=kept[-1][0], units=kept[-1][1], iterations=ref["evaluations"][stop]["iteration"],
                    cpu_share=reach[0] / ref_at[0] if reach else None,
                    unit_share=reach[1] / ref_at[1] if reach else None,
                    cpu_total=reach[0] / curve[-1][0] if reach else None,
                    unit_total=reach[1] / curve[-1][1] if reach else None,
                    ref_best=ref_best, ref_cpu_to_best=ref_at[0], ref_units_to_best=ref_at[1],
                )
            )
rows.sort(key=lambda w: (TASKS.index(w["task"]), w["seed"]))


def pct(x):
    return "—" if x is None else f"{x * 100:.0f}%"


def reference_at(w):
    """The reference's best held-out loss among its checks within this run's core-seconds."""
    ref = runs.get((w["task"], w["seed"], "reference"))
    within = [p[2] for p in best_curve(ref) if p[0] <= w["cpu"] * 1.0001] if ref else []
    return min(within) if within else float("nan")


print("| task | seed | run | iterations | core-s | pixel-mask equiv. | best held-out | reference's best within"
      " these core-s | chosen vars held-out | reaches reference's best? | compute to reach it over the reference's"
      " whole run (core-s / equiv.) | over the reference's compute to its best"
      " (core-s / equiv.) |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for w in rows:
    met = w["cpu_share"] is not None
    quarter = met and w["unit_total"] <= 0.25
    verdict = "—" if w["config"] == "reference" else (
        ("**yes, ≤ 1/4**" if quarter else "yes, > 1/4") if met else "no")
    print(
        f"| {w['task']} | {w['seed']} | {w['config']} | {w['iterations']} | {w['cpu']:.1f} | {w['units']:.0f} | "
        f"{w['best']:.4f} | {reference_at(w):.4f} | {w['final']:.4f} | {verdict} | {pct(w['cpu_total'])} / {pct(w['unit_total'])} | {pct(w['cpu_share'])} / {pct(w['unit_share'])} |"
    )

# Plots: best held-out loss so far against core-seconds, one panel per seed, per task.
os.makedirs(os.path.join(out, "images"), exist_ok=True)
for t in TASKS:
    fig, axes = plt.subplots(1, len(SEEDS), figsize=(11, 5.6), sharey=False)
    for ax, s in zip(axes, SEEDS):
        for c in CONFIGS:
            r = runs.get((t, s, c))
            if r is None:
                continue
            curve = best_curve(r)
            style = dict(lw=2.4, color="black") if c == "reference" else dict(lw=1.4, ls="--" if c in LATER else "-")
            ax.step([p[0] for p in curve], [p[2] for p in curve], where="post", label=LABELS[c], marker=".", **style)
        ref = runs.get((t, s, "reference"))
        if ref:
            curve = best_curve(ref)
            best = min(p[2] for p in curve)
            at = next(p for p in curve if p[2] <= best)
            ax.axvline(curve[-1][0] / 4, color="grey", ls=":", lw=1)
            ax.axhline(best, color="grey", ls="--", lw=1)
        ax.set_title(f"{t}, mask seed {s}")
        ax.set_xlabel("core-seconds (all ranks, getrusage)")
        ax.set_ylabel("best held-out loss so far" + (" (−IoU)" if t == "segmentation" else " (MSE)"))
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=7)
    fig.suptitle(f"vtv-small {t}: held-out loss vs compute\n(grey dashed: reference's best; dotted: 1/4 of its"
                 " whole run; dashed runs: the later levers)", fontsize=10)
    fig.tight_layout(rect=(0, 0.2, 1, 1))
    path = os.path.join(out, "images", f"search-efficiency-{t}.png")
    fig.savefig(path, dpi=90)
    print(f"\nwrote {path}")

# vtv eval of the reference's and the recipe's vectors: recovered shares and the paired difference.
print()
print("| task | seed | run | one-shot | zero-shot | + TV reference | + TV run | recovered ref / run |"
      " run − reference per prompt, paired 95% CI |")
print("|---|---|---|---|---|---|---|---|---|")
for s in SEEDS:
    reports = {}
    for c in CONFIGS:
        path = os.path.join(work, "eval", f"{c}-s{s}", "report.json")
        if os.path.exists(path):
            with open(path) as f:
                reports[c] = json.load(f)
    if "reference" not in reports:
        continue

    def modes(report, task):
        entry = next(x for x in report["tasks"] if x["task"] == task)
        return entry["modes"]

    for t, c in ((t, c) for t in TASKS for c in CONFIGS if c != "reference" and c in reports):
        a, b = modes(reports["reference"], t), modes(reports[c], t)
        one, zero = a[ONE]["summary"]["mean"], a[ZERO]["summary"]["mean"]
        ra, rb = a[TV]["summary"]["mean"], b[TV]["summary"]["mean"]
        d = [y - x for x, y in zip(a[TV]["per_prompt"], b[TV]["per_prompt"])]
        m, sd = statistics.mean(d), statistics.stdev(d)
        half = 1.96 * sd / len(d) ** 0.5
        share = lambda v: (v - zero) / (one - zero)  # noqa: E731
        print(
            f"| {t} | {s} | {c} | {one:.4f} | {zero:.4f} | {ra:.4f} | {rb:.4f} | {share(ra) * 100:.0f}% / {share(rb) * 100:.0f}% |"
            f" {m:+.4f} ± {half:.4f} |"
        )
