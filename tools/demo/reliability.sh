#!/usr/bin/env bash
# Does `vtv demo` show the paper's effect on scenes that did not choose its settings? Runs the demo
# (2 MPI ranks, one run at a time) for every prompt seed and configuration, then tabulates each task's
# recovered share, (zero-shot + TV - zero-shot) / (one-shot - zero-shot), from each run's
# report/report.json, with the tasks at >= 40%, the wall seconds and the load average at the start.
#
# Usage: tools/demo/reliability.sh WORKDIR "SEEDS" CONFIG...
#   SEEDS:  prompt seeds, e.g. "1 2" (each is `vtv demo --prompt-seed S`: prompts of synthetic:S)
#   CONFIG: NAME=OPTIONS, one of
#     NAME=demo:OPTIONS   `vtv demo --prompt-seed S OPTIONS` (OPTIONS: the demo's own, may be empty)
#     NAME=sweep:OPTIONS  the demo's search and evaluation rerun with search options changed: the
#                         `vtv sweep` and `vtv eval` commands that the demo of the FIRST config (which
#                         must be of kind demo) logged for seed S, on its prompts and task means, each
#                         option of OPTIONS replacing the demo's value or added; `--task LIST` also
#                         limits the evaluation to those tasks. Collect and score do not depend on the
#                         search, so a cheap first config (e.g. base=demo:--iterations 1 --samples 20, at least 2 per train prompt)
#                         gives the same prompts and task means as the full demo.
#   In OPTIONS, @SEED@ stands for the seed (e.g. --activations /data/seed-@SEED@/best.h5).
#   e.g. tools/demo/reliability.sh /var/tmp/vtv-rel "1 2" default=demo: "loo=sweep:--baseline leave-one-out"
# Writes WORKDIR/NAME/seed-S/ (the run, log.txt, wall.txt) and WORKDIR/table.md (printed too). A run
# whose report/report.json exists is tabulated, not rerun; a run folder without one (a stopped run)
# is refused: remove it to redo the run. Nothing outside WORKDIR is written.
# Environment: VTV (default .build/release/vtv), RANKS (default 2).
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
work="${1:?usage: tools/demo/reliability.sh WORKDIR \"SEEDS\" NAME=demo:OPTIONS|NAME=sweep:OPTIONS ...}"
seeds="${2:?usage: tools/demo/reliability.sh WORKDIR \"SEEDS\" CONFIG...}"
shift 2
[ $# -ge 1 ] || { echo "reliability.sh: name at least one CONFIG (NAME=demo:OPTIONS or NAME=sweep:OPTIONS)" >&2; exit 2; }
vtv="${VTV:-$here/.build/release/vtv}"
ranks="${RANKS:-2}"
[ -x "$vtv" ] || { echo "reliability.sh: $vtv is not built (swift build -c release)" >&2; exit 1; }
for seed in $seeds; do
  [[ "$seed" =~ ^[0-9]+$ ]] || { echo "reliability.sh: seed '$seed' is not a whole number >= 0" >&2; exit 2; }
done
names=()
first="${1%%=*}"
for config in "$@"; do
  name="${config%%=*}"; rest="${config#*=}"; kind="${rest%%:*}"
  [[ "$config" == *=* && "$rest" == *:* && "$name" =~ ^[A-Za-z0-9_.-]+$ ]] \
    || { echo "reliability.sh: '$config' is not NAME=demo:OPTIONS or NAME=sweep:OPTIONS" >&2; exit 2; }
  [[ "$kind" == demo || "$kind" == sweep ]] \
    || { echo "reliability.sh: '$config': kind '$kind' is neither demo nor sweep" >&2; exit 2; }
  [[ "$kind" == demo || ${#names[@]} -gt 0 ]] \
    || { echo "reliability.sh: '$config' reruns the demo of the first config, which must be NAME=demo:OPTIONS" >&2; exit 2; }
  [[ " ${names[*]:-} " != *" $name "* ]] || { echo "reliability.sh: config name '$name' given twice" >&2; exit 2; }
  names+=("$name")
done
root_flags=()
[ "$(id -u)" -eq 0 ] && root_flags=(--allow-run-as-root)
mpi() { mpirun "${root_flags[@]}" -np "$ranks" --oversubscribe --bind-to none -x OPENBLAS_NUM_THREADS=1 "$vtv" "$@"; }
mkdir -p "$work"

# The logged command of step STEP ("search" or "eval") in a demo's log, one word a line.
logged() { grep -m1 "^== $2: vtv " "$1" | sed "s/^== $2: vtv //" | tr ' ' '\n'; }
# WORDS (one a line on stdin) with each option of OPTIONS replacing its value there or appended.
edit() {
  python3 -c '
import sys
words = sys.stdin.read().split("\n")[:-1]
over = sys.argv[1:]
i = 0
while i < len(over):
    name = over[i]
    value = over[i + 1:i + 2] if i + 1 < len(over) and not over[i + 1].startswith("--") else []
    if name in words:
        at = words.index(name)
        has = at + 1 < len(words) and not words[at + 1].startswith("--")
        words[at:at + 1 + has] = [name] + value
    else:
        words += [name] + value
    i += 1 + len(value)
print("\n".join(words))
' "$@"
}

for config in "$@"; do
  name="${config%%=*}"; rest="${config#*=}"; kind="${rest%%:*}"; options="${rest#*:}"
  for seed in $seeds; do
    options="${rest#*:}"; options="${options//@SEED@/$seed}"
    run="$work/$name/seed-$seed"
    if [ -f "$run/report/report.json" ]; then echo "== $name seed $seed: done before, tabulated"; continue; fi
    [ ! -e "$run" ] || { echo "reliability.sh: $run exists without report/report.json (a stopped run?); remove it to redo it" >&2; exit 1; }
    mkdir -p "$run"
    load="$(cut -d' ' -f1 /proc/loadavg)"; start=$(date +%s.%N)
    echo "== $name seed $seed ($kind: ${options:-defaults}), load $load"
    if [ "$kind" = demo ]; then
      # shellcheck disable=SC2086
      mpi demo --out "$run" --prompt-seed "$seed" $options > "$run/log.txt" 2>&1 \
        || { echo "reliability.sh: the demo failed, see $run/log.txt" >&2; exit 1; }
    else
      demo="$work/$first/seed-$seed"
      [ -f "$demo/log.txt" ] || { echo "reliability.sh: $demo/log.txt missing: config $first did not run" >&2; exit 1; }
      # shellcheck disable=SC2086
      mapfile -t sweep < <(logged "$demo/log.txt" search | edit $options --out "$run/search")
      mpi "${sweep[@]}" > "$run/log.txt" 2>&1 || { echo "reliability.sh: the sweep failed, see $run/log.txt" >&2; exit 1; }
      tasks="$(printf '%s\n' "${sweep[@]}" | python3 -c 'import sys; w = sys.stdin.read().split(); print(w[w.index("--task") + 1])')"
      vectors=()
      for task in ${tasks//,/ }; do
        found=("$run/search/$task"-*.h5)
        found=("${found[@]/*.checkpoint.h5/}")
        vectors+=($(printf '%s\n' "${found[@]}" | grep . ))
      done
      list="$(IFS=,; echo "${vectors[*]}")"
      mapfile -t evaluation < <(logged "$demo/log.txt" eval | edit --tasks "$tasks" --taskvectors "$list" --out "$run/report")
      mpi "${evaluation[@]}" >> "$run/log.txt" 2>&1 || { echo "reliability.sh: the eval failed, see $run/log.txt" >&2; exit 1; }
    fi
    python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.0f} {sys.argv[3]}')" "$start" "$(date +%s.%N)" "$load" > "$run/wall.txt"
  done
done

python3 - "$work" "$seeds" "${names[@]}" > "$work/table.md.part" <<'EOF'
import json, os, sys
work, seeds, names = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
rows, tasks = [], None
for name in names:
    for seed in seeds:
        run = os.path.join(work, name, "seed-" + seed)
        report = json.load(open(os.path.join(run, "report", "report.json")))
        shares = {}
        for entry in report["tasks"]:
            mean = lambda mode: entry["modes"][mode]["summary"]["mean"]
            one, zero, tv = mean("one_shot"), mean("zero_shot"), mean("zero_shot_task_vectors")
            shares[entry["task"]] = (tv - zero) / (one - zero) if one != zero else float("nan")
        tasks = tasks or []
        tasks += [t for t in shares if t not in tasks]
        wall, load = open(os.path.join(run, "wall.txt")).read().split()
        rows.append((name, seed, shares, wall, load))
print("| config | prompt seed | " + " | ".join(tasks) + " | tasks >= 40% | wall s | load at start |")
print("|---|---|" + "---|" * len(tasks) + "---|---|---|")
for name, seed, shares, wall, load in rows:
    cells = [f"{100 * shares[t]:.0f}%" if t in shares else "—" for t in tasks]
    met = sum(share >= 0.4 for share in shares.values())
    print(f"| {name} | {seed} | " + " | ".join(cells) + f" | {met} of {len(shares)} | {wall} | {load} |")
EOF
mv "$work/table.md.part" "$work/table.md"
cat "$work/table.md"
