#!/usr/bin/env bash
# Installs the Debian packages rpbench needs, and only those that are missing.
# Idempotent: when everything is present it only runs dpkg-query (well under a second).
# Exit status: 0 when all packages are present afterwards, 1 when something could not be installed.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libboost-program-options-dev nlohmann-json3-dev
  libibverbs-dev librdmacm-dev
  libhiredis-dev redis-server redis-tools
  libjemalloc-dev libgoogle-perftools-dev libxxhash-dev clang-format
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-matplotlib python3-jsonschema python3-numpy
  chromium iproute2 munge slurmctld slurmd slurm-client
  clang libclang-rt-14-dev
)
# iproute2: ip and tc for the two-host test (tests/transport/test_two_hosts.py: namespaces, veth, tbf).
# munge, slurmctld, slurmd, slurm-client: ./run_experiments.sh --slurm, and the single-node cluster
# tests/harness/test_slurm.py starts (nothing is started or configured at install).
# clang, libclang-rt-14-dev: the fuzz build (scripts/build.sh fuzz, ctest -L fuzz): clang 14 and its
# runtime libraries, libFuzzer and the sanitizers' among them.
# chromium: the headless browser the report page's test (tests/plots/test_paper_browser.py) renders
# results/paper/index.html with; without it that test is reported skipped.

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "bootstrap: missing Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "bootstrap: not root; install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists at all; refresh once, then install.
if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/rpbench-bootstrap.log 2>&1; then
  if ! apt-get update >>/tmp/rpbench-bootstrap.log 2>&1; then
    echo "bootstrap: apt-get update failed (no network or no Debian mirror?); see /tmp/rpbench-bootstrap.log" >&2
    exit 1
  fi
  if ! apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/rpbench-bootstrap.log 2>&1; then
    echo "bootstrap: apt-get install failed for: ${missing[*]}; see /tmp/rpbench-bootstrap.log" >&2
    tail -n 5 /tmp/rpbench-bootstrap.log >&2
    exit 1
  fi
fi
echo "bootstrap: installed ${missing[*]}" >&2
