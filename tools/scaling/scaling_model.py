#!/usr/bin/env python3
"""The scaling model of docs/scaling.md: predicted wall time of a vtv search / sweep.

    python3 tools/scaling/scaling_model.py            # prints the prediction tables (markdown)
    python3 tools/scaling/scaling_model.py --plot docs/images/scaling.png

wall = iterations x (rounds x batch x c(batch) + overhead(ranks) + collectives(ranks))
       + evaluations x ceil(eval_prompts / (ranks x batch)) x batch x c(batch)
       + model load
rounds = ceil(ceil(samples / batch) / ranks), batch as `--batch auto` picks it (up to 8, the size
that splits the samples most evenly). c(batch) is the per-sample cost on one core (one rank, one
BLAS thread): the batched forward at that batch size, plus the VQGAN decode for the pixel reward.
Every number below is a measurement quoted in docs/scaling.md; change them for another machine.
"""
import argparse
import math

# Per-sample costs on one core, seconds (docs/scaling.md, "Per-sample costs"): one BLAS thread,
# quiet machine (2026-12-06 18:10, load average 0.8), medians of two rounds of validate.sh.
FORWARD_B8 = 0.270      # ViT-L zero-shot forward, batch 8 (258.5 and 280.9 ms/sample)
FORWARD_B1 = 0.353      # batch 1: 1.31x the batch-8 cost per sample (docs/benchmarks.md, 2 threads)
DECODE = 1.063          # released VQGAN decode, one canvas (1.037 and 1.088 s)
OVERHEAD_PER_SAMPLE = {1: 0.008e-3, 2: 0.19e-3}   # bench search-overhead, s per sample a rank evaluates
OVERHEAD_FIXED = 0.003  # s per iteration (advantages, Adam step, speed all-gather bookkeeping)
MODEL_LOAD = 10.0       # s: ViT-L + VQGAN from a shared filesystem (assumed; 1 s for vtv-small here)

# Network (assumed typical figures, not measured here): per-message latency and bandwidth.
NETWORKS = {"25GbE": (25e-6, 2.5e9), "InfiniBand HDR": (2e-6, 20e9)}
CORES_PER_NODE = 64
VARIABLES = {0: 384, 1: 1152, 2: 31872}   # ViT-L search variables per granularity (g0: 24 x 16 heads)


def auto_batch(samples, ranks, cap=8):
    """--batch auto: the size up to 8 giving the fewest samples on the busiest rank (largest on ties)."""
    best = None
    for b in range(cap, 0, -1):
        per_rank = math.ceil(math.ceil(samples / b) / ranks) * b
        if best is None or per_rank < best[1]:
            best = (b, per_rank)
    return best


def forward_cost(batch, b8=FORWARD_B8, b1=FORWARD_B1):
    """Per-sample forward cost at a batch size: linear between batch 1 and 8, flat above."""
    if batch >= 8:
        return b8
    return b1 + (b8 - b1) * (batch - 1) / 7


def sample_cost(batch, reward, b8=FORWARD_B8, b1=FORWARD_B1, decode=DECODE):
    return forward_cost(batch, b8, b1) + (decode if reward == "pixel" else 0.0)


def collectives(ranks, samples, granularity, network="25GbE", nodes=1):
    """Per iteration: all-gather of N float64 losses, all-reduce of V int64 gradient sums, and four
    small collectives (speeds, patched count, stop flag, loss statistics), each in log2(ranks) steps.
    Inside a node (shared memory) we take 1 us and 10 GB/s; between nodes the network's figures."""
    if ranks <= 1:
        return 0.0
    alpha, beta = NETWORKS[network] if nodes > 1 else (1e-6, 10e9)
    steps = math.ceil(math.log2(ranks))
    big = (samples * 8 + VARIABLES[granularity] * 8) / beta * 2   # recursive doubling/halving ~ 2x the data
    return 6 * steps * alpha + big


def search_time(samples=320, iterations=500, reward="pixel", granularity=1, ranks=1, batch=None,
                eval_prompts=490, eval_every=50, nodes=1, network="25GbE", load=MODEL_LOAD,
                b8=FORWARD_B8, b1=FORWARD_B1, decode=DECODE):
    if batch is None:
        batch, per_rank = auto_batch(samples, ranks)
    else:
        per_rank = math.ceil(math.ceil(samples / batch) / ranks) * batch
    c = sample_cost(batch, reward, b8, b1, decode)
    overhead = OVERHEAD_FIXED + OVERHEAD_PER_SAMPLE.get(granularity, 0.0) * per_rank
    it = per_rank * c + overhead + collectives(ranks, samples, granularity, network, nodes)
    evals = iterations // eval_every + (1 if iterations % eval_every else 0)
    eb = min(batch, eval_prompts)
    eval_per_rank = math.ceil(math.ceil(eval_prompts / eb) / ranks) * eb
    # periodic evaluations with the search's reward, then the final one under both rewards
    ev = evals * eval_per_rank * sample_cost(eb, reward, b8, b1, decode)
    ev += eval_per_rank * (sample_cost(eb, "pixel", b8, b1, decode) + sample_cost(eb, "tokens", b8, b1, decode))
    return iterations * it + ev + load, dict(batch=batch, per_rank=per_rank, iteration=it)


def collect_time(prompts, ranks, pool=0, b8=FORWARD_B8, decode=DECODE):
    """Task means: one one-shot forward per collected prompt (one-shot ~ zero-shot cost), batch 8;
    curated (`collect --select-best`), first a one-shot prediction and its pixel metric (forward and
    decode) for each of `pool` candidate prompts."""
    return math.ceil(pool / ranks) * (b8 + decode) + math.ceil(prompts / ranks) * b8


def eval_time(prompts, ranks, conditions=3, b8=FORWARD_B8, decode=DECODE):
    """Evaluation: each prompt under `conditions` (one-shot, zero-shot, zero-shot + task vectors),
    one forward and one VQGAN decode each (pixel metrics)."""
    return math.ceil(prompts * conditions / ranks) * (b8 + decode)


def protocol_time(nodes, tasks=5, seeds=1, collect_prompts=100, pool=3000, eval_prompts=4000, network="25GbE", **kw):
    """The paper's protocol: curated task means (3,000 one-shot episodes scored per task, the best 100
    collected); one published-size search per task (a sweep: the ranks split into `tasks` equal
    groups); evaluate 4 folds x 1,000 episodes per task under 3 conditions."""
    ranks = nodes * CORES_PER_NODE
    searches = tasks * seeds
    t_collect = collect_time(collect_prompts * tasks, ranks, pool=pool * tasks) + MODEL_LOAD
    if ranks >= searches:
        group = ranks // searches
        t_search, _ = search_time(ranks=group, nodes=max(1, math.ceil(group / CORES_PER_NODE)), network=network, **kw)
    else:  # several searches per rank, one after another
        t1, _ = search_time(ranks=1, **kw)
        t_search = math.ceil(searches / ranks) * t1
    t_eval = eval_time(eval_prompts * tasks, ranks) + MODEL_LOAD
    return t_collect + t_search + t_eval, dict(collect=t_collect, search=t_search, eval=t_eval)


# Measured points (docs/scaling.md, "Checking the model"): (label, ranks, predicted s, measured s).
# From tools/scaling/validate.sh on a quiet machine (2026-12-06 18:10-18:12, load average 0.8-1.2);
# vtv-small predictions from the same run's 1-rank per-sample costs (bench search, 192 samples).
SMALL_TOKENS = (1 / 191.16, 1 / 218.02)     # s per sample, rounds 1 and 2
SMALL_PIXEL = (1 / 37.37, 1 / 31.78)
SMALL_PIXEL_MEDIAN = 2 / (37.37 + 31.78)
MEASURED = [
    ("ViT-L tokens 2r (quiet, archived)", 2, 56.9, 61.1),
    ("ViT-L tokens 2r 3x32 (quiet, archived)", 2, 15.05, 16.99),
    ("small tokens 2r r1", 2, 192 * SMALL_TOKENS[0] / 2, 192 / 373.80),
    ("small tokens 2r r2", 2, 192 * SMALL_TOKENS[1] / 2, 192 / 434.34),
    ("small pixel 2r r1", 2, 192 * SMALL_PIXEL[0] / 2, 192 / 74.01),
    ("small pixel 2r r2", 2, 192 * SMALL_PIXEL[1] / 2, 192 / 64.10),
    ("small search 1r", 1, None, 8.32),
    ("sweep 2 searches 2r", 2, None, 10.27),
]


def small_search_prediction(cost=SMALL_PIXEL_MEDIAN):
    """The vtv-small pixel search of validate.sh (48 samples x 6 iterations, batch 8, 4 held-out
    prompts every 3) on one rank, model ready in 0.4 s; a sweep of such searches on one rank each
    is predicted to take the same."""
    return search_time(samples=48, iterations=6, reward="pixel", ranks=1, batch=8, eval_prompts=4,
                       eval_every=3, load=0.4, b8=cost, b1=cost, decode=0.0)[0]


MEASURED = [(l, r, small_search_prediction() if p is None else p, m) for l, r, p, m in MEASURED]


def tables():
    out = ["| nodes (64 cores) | ranks | batch | samples / rank / it. | 1 search, pixel, g1 (h) | same, tokens (h) | full protocol (h) |",
           "|---|---|---|---|---|---|---|"]
    for nodes in (1, 4, 16, 64):
        r = nodes * CORES_PER_NODE
        t, d = search_time(ranks=r, nodes=nodes)
        tt, _ = search_time(ranks=r, nodes=nodes, reward="tokens")
        p, _ = protocol_time(nodes)
        out.append(f"| {nodes} | {r} | {d['batch']} | {d['per_rank']} | {t/3600:.2f} | {tt/3600:.2f} | {p/3600:.2f} |")
    t1, _ = search_time(ranks=1)
    out.append(f"\nOne core: {t1/3600:.1f} h for one published-size search (pixel reward).")
    return "\n".join(out)


def plot(path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    nodes = [1, 2, 4, 8, 16, 32, 64]
    for reward, style in (("pixel", "-o"), ("tokens", "--s")):
        a.plot(nodes, [search_time(ranks=n * CORES_PER_NODE, nodes=n, reward=reward)[0] / 3600 for n in nodes], style,
               label=f"one search, {reward} reward")
    a.plot(nodes, [protocol_time(n)[0] / 3600 for n in nodes], "-^", label="full protocol (5 searches as a sweep)")
    a.set_xscale("log", base=2); a.set_yscale("log")
    a.set_xlabel("nodes of 64 cores"); a.set_ylabel("predicted wall time (h)")
    a.set_title("ViT-L, 500 iterations x 320 samples, g1"); a.grid(True, which="both", alpha=0.3); a.legend(fontsize=8)
    if MEASURED:
        lo = min(min(p, m) for _, _, p, m in MEASURED) * 0.7
        hi = max(max(p, m) for _, _, p, m in MEASURED) * 1.4
        b.plot([lo, hi], [lo, hi], "k-", lw=0.8, label="measured = predicted")
        b.fill_between([lo, hi], [lo * 0.85, hi * 0.85], [lo * 1.15, hi * 1.15], color="gray", alpha=0.2, label="±15%")
        for label, ranks, p, m in MEASURED:
            b.plot(p, m, "o")
            b.annotate(label, (p, m), fontsize=7, xytext=(4, -10), textcoords="offset points")
        b.set_xscale("log"); b.set_yscale("log")
    b.set_xlabel("predicted (s)"); b.set_ylabel("measured (s)")
    b.set_title("measured vs predicted, 2-core VM, quiet"); b.grid(True, which="both", alpha=0.3); b.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--plot")
    args = ap.parse_args()
    print(tables())
    print("\n| point | ranks | predicted (s) | measured (s) | error |\n|---|---|---|---|---|")
    for label, ranks, p, m in MEASURED:
        print(f"| {label} | {ranks} | {p:.2f} | {m:.2f} | {100 * (m - p) / p:+.0f}% |")
    if args.plot:
        plot(args.plot)
