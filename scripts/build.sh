#!/usr/bin/env bash
# Configures and builds one flavour of rpbench: scripts/build.sh [release|asan|tsan|fuzz] [TARGET...]
#   release -> build/       (CMAKE_BUILD_TYPE=Release; what experiments run)
#   asan    -> build-asan/  (Debug, AddressSanitizer + UndefinedBehaviorSanitizer)
#   tsan    -> build-tsan/  (RelWithDebInfo, ThreadSanitizer: the tests of concurrent callers)
#   fuzz    -> build-fuzz/  (clang: CC=clang CXX=clang++; Debug at -O1, the libFuzzer targets of fuzz/
#                            under ASan + UBSan, RPBENCH_FUZZ=ON; ctest -L fuzz runs them)
# Warnings are errors when CI=true or RPBENCH_WERROR=1. Jobs: RPBENCH_JOBS (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."

flavour=${1:-release}
shift || true
case "$flavour" in
  release) dir=build; flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DRPBENCH_SANITIZE=ON -DRPBENCH_BENCH=OFF) ;;
  tsan) dir=build-tsan; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DRPBENCH_TSAN=ON -DRPBENCH_BENCH=OFF) ;;
  fuzz)
    dir=build-fuzz
    flags=(-DCMAKE_BUILD_TYPE=Debug -DRPBENCH_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++)
    ;;
  *) echo "build.sh: unknown flavour '$flavour' (expected release, asan, tsan or fuzz)" >&2; exit 2 ;;
esac
werror=OFF
if [ "${CI:-}" = "true" ] || [ "${RPBENCH_WERROR:-0}" = "1" ]; then werror=ON; fi
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S . -B "$dir" "${generator[@]}" "${flags[@]}" -DRPBENCH_WERROR=$werror >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log" >&2; exit 1; }
else
  cmake -S . -B "$dir" -DRPBENCH_WERROR=$werror >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log" >&2; exit 1; }
fi
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$dir" -j "${RPBENCH_JOBS:-$(nproc)}" "${targets[@]}"
