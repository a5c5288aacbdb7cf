#!/usr/bin/env bash
# The main job: installs what is missing, builds rpbench (Release), runs a sweep and draws its
# figures.   ./run_experiments.sh [SWEEP]   (default: quick; sweeps live in configs/sweeps/)
# Results: results/SWEEP/*.json; figures: results/SWEEP/figures/*.png and *.pdf. A point whose
# valid result is already there is skipped, so an interrupted sweep resumes; --force re-runs all.
set -euo pipefail
cd "$(dirname "$0")"

sweep=quick
extra=()
for a in "$@"; do
  case "$a" in
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --*) extra+=("$a") ;;
    *) sweep=$a ;;
  esac
done
if [ ! -f "configs/sweeps/$sweep.json" ]; then
  echo "run_experiments: no sweep configs/sweeps/$sweep.json; available: $(ls configs/sweeps | sed 's/\.json$//' | tr '\n' ' ')" >&2
  exit 2
fi

./scripts/bootstrap.sh
./scripts/build.sh release rpbench
py=$(./scripts/find_python.sh)
exec "$py" scripts/run_sweep.py "$sweep" --rpbench build/rpbench --results results "${extra[@]}"
