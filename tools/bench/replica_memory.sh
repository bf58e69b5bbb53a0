#!/usr/bin/env bash
# One copy of the weights per node (issue #20): what N ranks on one machine hold between them, and
# how long they take to start, with the weights shared by the node's ranks (the default) and with a
# private copy each (VTV_PRIVATE_WEIGHTS=1).
#
# The work: `vtv bench search --model M.h5 --procedure published`, ViT-L + the released VQGAN (random
# weights, `vtv model init --config vit-large`, made once), one mask per rank per iteration, each
# decoded by the VQGAN: every rank loads the model as the pipeline does, builds prompts with the
# VQGAN encoder, runs MAE forwards and the VQGAN decoder, so all derived buffers are in use.
# Memory is the sum over the ranks of PSS (/proc/PID/smaps_rollup: a page shared by k processes
# counts 1/k in each, so the sum counts it once; RSS would count it k times), sampled every 0.2 s:
#   ready:   the sum at the first sample after the ranks report the model ready (weights, runtime);
#   working: the largest sum from then to the end (adds every rank's workspaces and prompts);
#   peak:    the largest sum over the whole run (includes loading).
# Start-up is what `bench search` reports: the slowest rank's time from its process start to its
# model being ready for the first forward pass.
#
#   tools/bench/replica_memory.sh [ROUNDS]            # default 1 round
#   RANKS="1 2 4 8" PRIVATE_RANKS="1 2 4" tools/bench/replica_memory.sh 3
#   PROCEDURE=tokens ...   # shorter runs for start-up timing: batched token reward, the decoder never runs
# PRIVATE_RANKS: the rank counts also run with private copies; each private ViT-L rank holds about
# 2 GB, so leave out what this machine's memory cannot hold. Needs a release build.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-1}"
ranks_list="${RANKS-1 2 4 8}"
private_list="${PRIVATE_RANKS-1 2 4}"
vtv=.build/release/vtv
procedure=(--procedure published)
[ "${PROCEDURE:-published}" = tokens ] && procedure=(--procedure batched --reward tokens --batch 1)
work="${REPLICA_DIR:-/tmp/vtv-replica-memory}"
[ -x "$vtv" ] || swift build -c release --product vtv
mkdir -p "$work"
model="$work/vitl.h5"
[ -f "$model" ] || "$vtv" model init --config vit-large --seed 0 --out "$model"
root_flags=()
[ "$(id -u)" -eq 0 ] && root_flags=(--allow-run-as-root)

# PSS and RSS (smaps_rollup, kB) summed over the PIDs given, in MiB: "pss rss".
sum_memory() {
  local pss=0 rss=0 fields
  for pid in "$@"; do
    fields=$(awk '$1 == "Pss:" { p = $2 } $1 == "Rss:" { r = $2 } END { print p + 0, r + 0 }' \
      "/proc/$pid/smaps_rollup" 2>/dev/null || echo "0 0")
    pss=$((pss + ${fields% *})); rss=$((rss + ${fields#* }))
  done
  echo $((pss / 1024)) $((rss / 1024))
}

# One run: prints "ranks weights start-up ready working peak rss-working".
measure() {
  local ranks="$1" sharing="$2" log="$work/run.log"
  local env=()
  [ "$sharing" = private ] && env=(-x VTV_PRIVATE_WEIGHTS=1)
  local samples=$(( ranks < 2 ? 2 : ranks ))
  mpirun "${root_flags[@]}" -np "$ranks" --oversubscribe --bind-to none -x OPENBLAS_NUM_THREADS=1 "${env[@]}" \
    "$vtv" bench search --model "$model" "${procedure[@]}" --samples "$samples" --iterations 1 >"$log" 2>&1 &
  local launcher=$! ready="" working=0 peak=0 rss=0 pss now_rss pids
  while kill -0 "$launcher" 2>/dev/null; do
    # The ranks are mpirun's children (named "exe" once vtv has re-executed itself for OpenBLAS).
    pids=$(pgrep -P "$launcher" || true)
    if [ -n "$pids" ]; then
      # shellcheck disable=SC2086
      read -r pss now_rss < <(sum_memory $pids)
      [ "$pss" -gt "$peak" ] && peak=$pss
      if grep -q "model ready" "$log"; then
        [ -z "$ready" ] && ready=$pss
        if [ "$pss" -gt "$working" ]; then working=$pss; rss=$now_rss; fi
      fi
    fi
    sleep 0.2
  done
  wait "$launcher" || { cat "$log"; exit 1; }
  local startup
  startup=$(sed -n 's/.*model ready after \([0-9.]*\) s.*/\1/p' "$log")
  printf "%5d  %-7s  %8s  %9s  %11s  %8s  %15s\n" "$ranks" "$sharing" "$startup" "${ready:-?}" "$working" "$peak" "$rss"
}

echo "ranks  weights  start-up  ready MiB  working MiB  peak MiB  RSS working MiB   ($(date +%H:%M), $(nproc) cores)"
for round in $(seq "$rounds"); do
  for ranks in $ranks_list; do
    measure "$ranks" shared
    case " $private_list " in *" $ranks "*) measure "$ranks" private ;; esac
  done
done
