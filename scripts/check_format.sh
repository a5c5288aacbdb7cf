#!/usr/bin/env bash
# Checks that every C++ file of the tree follows .clang-format (ctest `format`, so CI checks it).
#   scripts/check_format.sh         list the files that differ and exit 1; 0 when all follow it
#   scripts/check_format.sh --fix   reformat them in place
# The style is clang-format 14's (Debian bookworm's): another major version formats some constructs
# differently, so with another one the check reports itself skipped (exit 77) rather than judge.
set -euo pipefail
cd "$(dirname "$0")/.."

fix=0
[ "${1:-}" = "--fix" ] && fix=1
cf=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$cf" ]; then
  echo "check_format: skipped: clang-format is not installed (scripts/bootstrap.sh installs it)" >&2
  exit 77
fi
major=$("$cf" --version | sed -n 's/.*version \([0-9]*\).*/\1/p')
if [ "$major" != "14" ]; then
  echo "check_format: skipped: $cf is version $major; the tree's style is clang-format 14's" >&2
  exit 77
fi

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cc' '*.h')
else
  mapfile -t files < <(find base workloads measure transport engines harness tests bench fuzz \
    \( -name '*.cc' -o -name '*.h' \) 2>/dev/null | sort)
fi
if [ $fix -eq 1 ]; then
  "$cf" -i "${files[@]}"
  exit 0
fi
if "$cf" --dry-run --Werror "${files[@]}" >/dev/null 2>&1; then
  echo "check_format: ${#files[@]} files follow .clang-format"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  "$cf" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -ne 0 ]; then
  echo "check_format: ${#bad[@]} of ${#files[@]} files do not follow .clang-format (scripts/check_format.sh --fix):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check_format: ${#files[@]} files follow .clang-format"
