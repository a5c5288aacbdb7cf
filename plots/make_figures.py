#!/usr/bin/python3
"""Draws every figure family that has data for the result files in RESULT_DIR.

Usage: make_figures.py RESULT_DIR [--out DIR] [--families a,b]
Figures go to RESULT_DIR/figures unless --out is given, as PNG and PDF. Families:
throughput, latency, snapshot, timeline, probe_fork, fault_cdf.
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from rpplot import families, loader  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("result_dir", help="directory of result *.json files (or one result file)")
    ap.add_argument("--out", help="figure directory (default RESULT_DIR/figures)")
    ap.add_argument("--families", help="comma-separated families (default: all)")
    args = ap.parse_args(argv)
    src = pathlib.Path(args.result_dir)
    try:
        names = families.parse_families(args.families)
        results = loader.load_results(src)
    except (ValueError, FileNotFoundError) as e:
        print(f"make_figures: {e}", file=sys.stderr)
        return 2
    out = pathlib.Path(args.out) if args.out else (src if src.is_dir() else src.parent) / "figures"
    if not results:
        print(f"make_figures: no rpbench result files in {src}", file=sys.stderr)
        return 1
    drawn = families.draw_families(results, out, names)
    total = sum(len(p) for p in drawn.values())
    for name, paths in drawn.items():
        for p in paths:
            print(f"{name}: {p}")
    print(f"{total} figure file(s) from {len(results)} result(s) in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
