#!/bin/bash
# The measured points of docs/scaling.md: per-sample costs (ViT-L forward, released VQGAN decode),
# vtv-small bench search on 1 and 2 ranks (tokens, pixel), search overhead, a 2-search sweep on 2 ranks
# and the same search alone on 1 rank. Usage: tools/scaling/validate.sh [VTV_BINARY] [WORKDIR]
set -u
V=${1:-$PWD/.build/release/vtv}; W=${2:-/var/tmp/vtv-scaling-work}; mkdir -p "$W"
M=$(dirname "$V")/vtv_Pipeline.resources/vtv-small.h5
export OPENBLAS_NUM_THREADS=1
for r in 1 2; do
  echo "== costs round $r $(date +%T) $(uptime | sed "s/.*load/load/")"
  $V bench forward --config vit-large --batch 8 --repeats 3 --threads 1 2>&1 | tail -1
  $V bench vqgan --stage decode --config released --batch 1 --repeats 3 --threads 1 2>&1 | tail -1
done
cd "$W"
$V collect --model $M --source synthetic:0 --role collect --count 8 --out A.h5
$V prompts export --source synthetic:0 --role train --count 16 --canvas-size 112 --out P.h5
MPI="mpirun --allow-run-as-root --oversubscribe --bind-to none -x OPENBLAS_NUM_THREADS=1"
L() { echo "## $* | $(date +%T) $(uptime | sed 's/.*load/load/')"; }
for r in 1 2; do
  for rw in tokens pixel; do
    for n in 1 2; do
      L "bench search small $rw np$n round$r"
      /usr/bin/time -f "wall %e s" $MPI -np $n $V bench search --model $M --reward $rw --batch 8 --samples 64 --iterations 3 2>&1 | grep -v '^\s*$' | tail -6
    done
  done
done
for g in 1 2; do for n in 1 2; do
  L "overhead g$g np$n"
  $MPI -np $n $V bench search-overhead --granularity $g --samples 320 --iterations 3 --method reduced 2>&1 | tail -3
done; done
L "sweep np2"
rm -rf sw; /usr/bin/time -f "wall %e s" $MPI -np 2 $V sweep --model $M --activations A.h5 --prompts P.h5 --task segmentation --mask-seed 0,1 --reward pixel --iterations 6 --samples 48 --batch 8 --train-prompts 8 --eval-prompts 4 --eval-every 3 --out sw 2>&1 | tail -4
L "search np1 (same settings, seed 0)"
rm -rf s1; mkdir s1; /usr/bin/time -f "wall %e s" $V search --model $M --activations A.h5 --prompts P.h5 --task segmentation --mask-seed 0 --reward pixel --iterations 6 --samples 48 --batch 8 --train-prompts 8 --eval-prompts 4 --eval-every 3 --out s1/TV.h5 2>&1 | tail -4
L done
