#!/usr/bin/env bash
# The main job: installs what is missing, builds rpbench (Release), runs a sweep and draws its
# figures.   ./run_experiments.sh [SWEEP] [--force] [--repeats N] [--shard I/N] [--results DIR]
#            ./run_experiments.sh SWEEP --slurm [--partition P] [--max-parallel K] [--repeats N]
# (default SWEEP: quick; configs/sweeps/). Results: results/SWEEP/*.json; figures:
# results/SWEEP/figures/*.png and *.pdf. A point whose valid result is already there is skipped,
# so an interrupted sweep resumes; --force re-runs all; --repeats N runs each point N times
# (SWEEP/<point>.r0.json ...); --shard I/N runs only every N-th run from the I-th (for N hosts
# sharing results/; no figures: a plain run afterwards draws them). --slurm submits the sweep as
# a Slurm job array, one task per run (at most K at once), and a job after it that draws the
# figures (scripts/slurm_submit.py; the results folder must be on storage every node shares).
# ./run_experiments.sh paper runs every sweep and probe configs/sweeps/paper.json lists (those
# whose sweep file exists), then draws the paper's figures and results/paper/index.html.
set -euo pipefail
cd "$(dirname "$0")"

sweep=quick
extra=()      # for run_sweep.py / run_paper.py
slurm=()      # for slurm_submit.py
use_slurm=0
results=results
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --repeats) extra+=("$1" "${2:-}"); slurm+=("$1" "${2:-}"); [ $# -gt 1 ] && shift ;;
    --shard) extra+=("$1" "${2:-}"); [ $# -gt 1 ] && shift ;;
    --partition|--max-parallel) slurm+=("$1" "${2:-}"); [ $# -gt 1 ] && shift ;;
    --results) results=${2:-}; [ $# -gt 1 ] && shift ;;
    --slurm) use_slurm=1 ;;
    --*) extra+=("$1") ;;
    *) sweep=$1 ;;
  esac
  shift
done
if [ ! -f "configs/sweeps/$sweep.json" ]; then
  echo "run_experiments: no sweep configs/sweeps/$sweep.json; available: $(ls configs/sweeps | sed 's/\.json$//' | tr '\n' ' ')" >&2
  exit 2
fi
if [ $use_slurm = 1 ] && { [ "$sweep" = paper ] || [[ " ${extra[*]:-} " = *" --shard "* ]]; }; then
  echo "run_experiments: --slurm takes one sweep (not paper) and makes its own shards (no --shard)" >&2
  exit 2
fi

./scripts/bootstrap.sh
./scripts/build.sh release rpbench
py=$(./scripts/find_python.sh)
if [ $use_slurm = 1 ]; then
  exec "$py" scripts/slurm_submit.py "$sweep" --rpbench build/rpbench --results "$results" "${slurm[@]}"
fi
if [ "$sweep" = paper ]; then
  exec "$py" scripts/run_paper.py --rpbench build/rpbench --results "$results" "${extra[@]}"
fi
exec "$py" scripts/run_sweep.py "$sweep" --rpbench build/rpbench --results "$results" "${extra[@]}"
