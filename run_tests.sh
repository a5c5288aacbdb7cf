#!/usr/bin/env bash
# The whole test suite: installs what is missing (Debian packages), builds, runs ctest.
#   ./run_tests.sh            Release build, every test
#   ./run_tests.sh --asan     also the AddressSanitizer + UBSan build, every test under it, the
#                             ThreadSanitizer build of the tests with concurrent callers (label concurrent),
#                             and the fuzz build (clang, libFuzzer): each fuzz target for
#                             RPBENCH_FUZZ_SECONDS (default 45) and its committed corpus replayed (label fuzz)
#   ./run_tests.sh -L LABEL   pass ctest options through (e.g. -L unit, -R Config)
# CI (.ci/run) runs it with --asan and warnings as errors.
set -euo pipefail
cd "$(dirname "$0")"

asan=0
ctest_args=()
for a in "$@"; do
  case "$a" in
    --asan) asan=1 ;;
    *) ctest_args+=("$a") ;;
  esac
done

./scripts/bootstrap.sh
./scripts/build.sh release
echo "== tests (Release build)"
(cd build && ctest --output-on-failure -j "${RPBENCH_JOBS:-$(nproc)}" "${ctest_args[@]}")
if [ $asan -eq 1 ]; then
  ./scripts/build.sh asan
  echo "== tests (ASan + UBSan build)"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j "${RPBENCH_JOBS:-$(nproc)}" -LE "plots|bench" "${ctest_args[@]}")
  ./scripts/build.sh tsan paged_tests
  echo "== tests with concurrent callers (ThreadSanitizer build)"
  supp="$PWD/tests/tsan.supp"
  (cd build-tsan && TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$supp" \
    ctest --output-on-failure -j "${RPBENCH_JOBS:-$(nproc)}" -L concurrent -LE verbs "${ctest_args[@]}")
  ./scripts/build.sh fuzz
  echo "== fuzz targets, ${RPBENCH_FUZZ_SECONDS:-45} s each (fuzz build: clang, libFuzzer, ASan + UBSan)"
  # Two at a time at most: each fuzzer keeps a core busy.
  (cd build-fuzz && ctest --output-on-failure -j 2 -L fuzz)
fi
