#!/usr/bin/env bash
# Runs one libFuzzer target (fuzz/, the fuzz build: scripts/build.sh fuzz) for ctest (label fuzz).
#   run_fuzz.sh fuzz TARGET SEEDS WORK    fuzz for RPBENCH_FUZZ_SECONDS (default 45) seconds: the
#                                         committed corpus SEEDS is copied into a temporary folder
#                                         under WORK, which takes the new inputs; SEEDS itself is
#                                         passed read-only after it (nothing is written into the
#                                         source tree). The temporary folder goes on exit.
#   run_fuzz.sh replay TARGET SEEDS       runs the target once over every file of SEEDS (the
#                                         regression cases stay checked)
# Exits non-zero when libFuzzer finds a crash, a leak or a timeout (an input running over 10 s) or
# the target goes over 2 GiB; the input that did it is kept in WORK/artifacts/ (see README.md,
# "Fuzzing", for turning it into a regression case).
set -euo pipefail

mode=${1:-}
target=${2:-}
seeds=${3:-}
[ -x "$target" ] && [ -d "$seeds" ] || { echo "usage: run_fuzz.sh fuzz|replay TARGET SEEDS [WORK]" >&2; exit 2; }
name=$(basename "$target")
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

case "$mode" in
  fuzz)
    work=${4:?run_fuzz.sh fuzz needs WORK}
    seconds=${RPBENCH_FUZZ_SECONDS:-45}
    dict=()  # the target's dictionary of keywords, when it has one (fuzz/make_dicts.py)
    [ -f "$(dirname "$0")/$name.dict" ] && dict=(-dict="$(dirname "$0")/$name.dict")
    mkdir -p "$work/artifacts"
    tmp=$(mktemp -d "$work/$name.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    cp -R "$seeds/." "$tmp/"
    echo "$name: fuzzing for $seconds s from $(find "$seeds" -type f | wc -l) committed inputs ($seeds)"
    "$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$work/artifacts/$name-" "${dict[@]}" "$tmp" "$seeds"
    ;;
  replay)
    mapfile -t files < <(find "$seeds" -type f | sort)
    [ ${#files[@]} -gt 0 ] || { echo "$name: no committed inputs in $seeds" >&2; exit 1; }
    echo "$name: replaying ${#files[@]} committed inputs ($seeds)"
    "$target" -rss_limit_mb=2048 -timeout=10 "${files[@]}"
    ;;
  *) echo "run_fuzz.sh: unknown mode '$mode' (expected fuzz or replay)" >&2; exit 2 ;;
esac
