#!/usr/bin/python3
"""Runs everything the paper's figures need, then draws them: ./run_experiments.sh paper.

Usage: run_paper.py [--manifest FILE] [--rpbench PATH] [--results DIR] [--repeats N] [--force]
                    [--root DIR] [--no-draw] [--allow-mixed-contexts]

The manifest (default configs/sweeps/paper.json) lists the sweeps and probes. Each sweep whose
file configs/sweeps/NAME.json exists runs through run_sweep.py, every point `repeats` times (the
manifest's, or --repeats N for all), resuming repeat by repeat; a sweep whose file does not exist
yet is skipped with one line naming it and the figures it feeds. Each probe runs
`rpbench ARGS --out RESULTS/OUT` unless a valid result is already there (--force re-runs all).
Then plots/paper.py draws RESULTS/paper/ (figures and index.html). Exit status: 0 when all that
ran succeeded and the figures were drawn or skipped, 1 when a point, probe or figure failed, 2
for a bad manifest or a missing rpbench.
"""
import argparse
import pathlib
import sys

SCRIPTS = pathlib.Path(__file__).resolve().parent
REPO_ROOT = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))
sys.path.insert(0, str(REPO_ROOT / "plots"))
import run_sweep  # noqa: E402
from validate_results import is_valid_result  # noqa: E402
from rpplot.paper import manifest as paper_manifest, registry  # noqa: E402


def _figures_text(src):
    parts = []
    if src.figures:
        parts.append(f"figure{'s' if len(src.figures) != 1 else ''} {', '.join(str(n) for n in src.figures)}")
    if src.table:
        parts.append("the headline table")
    return " and ".join(parts) or "nothing yet"


def run_probe(src, rpbench, results_root, root, force, out):
    """Runs one probe unless its valid result is there; returns True when a valid result is."""
    return run_sweep.run_probe(f"paper: probe {src.name}", src.args, pathlib.Path(results_root) / src.out, rpbench,
                               root, force, out)


def run_paper(man, rpbench, results_root, root, repeats=None, force=False, draw=True, draw_args=(), out=None):
    out = out or sys.stdout
    root = pathlib.Path(root)
    failed = []
    probes = [s for s in man.sources if s.kind == "probe"]
    need_binary = force or any(not is_valid_result(pathlib.Path(results_root) / s.out)[0] for s in probes)
    if need_binary and not (pathlib.Path(rpbench).is_file() and pathlib.Path(rpbench).stat().st_mode & 0o111):
        print(f"run_paper: rpbench not found or not executable at {rpbench}; build it "
              f"(./scripts/build.sh release rpbench) or pass --rpbench PATH", file=sys.stderr)
        return 2
    for src in man.sources:
        if src.kind != "sweep":
            continue
        sweep_file = root / "configs" / "sweeps" / f"{src.name}.json"
        if not sweep_file.is_file():
            print(f"paper: sweep {src.name} skipped: configs/sweeps/{src.name}.json does not exist yet "
                  f"(it feeds {_figures_text(src)})", file=out, flush=True)
            continue
        n = src.repeats if repeats is None else repeats
        print(f"paper: sweep {src.name} ({n} repeat{'s' if n != 1 else ''} per point)", file=out, flush=True)
        rc = run_sweep.run_sweep(sweep_file, rpbench, results_root, root, force=force, out=out, repeats=n)
        if rc == 2:
            return 2
        if rc != 0:
            failed.append(f"sweep {src.name}")
    for src in probes:
        if not run_probe(src, rpbench, results_root, root, force, out):
            failed.append(f"probe {src.name}")
    status = 1 if failed else 0
    if failed:
        print(f"paper: failed: {', '.join(failed)} (the figures are drawn from what is there)", file=out, flush=True)
    if draw:
        import paper  # plots/paper.py
        rc = paper.main([str(results_root), "--manifest", str(man.path), "--root", str(root), *draw_args])
        status = max(status, 1 if rc else 0) if rc != 2 else 2
    return status


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--manifest", help="the paper's sweeps and probes (default ROOT/configs/sweeps/paper.json)")
    ap.add_argument("--rpbench", help="the rpbench binary (default: ROOT/build/rpbench)")
    ap.add_argument("--results", help="results root (default: ROOT/results)")
    ap.add_argument("--repeats", type=int, metavar="N", help="runs per point for every sweep (default: the manifest's)")
    ap.add_argument("--force", action="store_true", help="re-run points and probes whose result is valid")
    ap.add_argument("--root", default=str(REPO_ROOT), help="repo root (default: this repo)")
    ap.add_argument("--no-draw", action="store_true", help="run the sweeps and probes, draw nothing")
    ap.add_argument("--allow-mixed-contexts", action="store_true", help="passed to plots/paper.py")
    args = ap.parse_args(argv)
    root = pathlib.Path(args.root).resolve()
    if args.repeats is not None and args.repeats < 1:
        print(f"run_paper: --repeats must be an integer >= 1, got {args.repeats}", file=sys.stderr)
        return 2
    try:
        man = paper_manifest.load(args.manifest or root / "configs" / "sweeps" / "paper.json", registry.BY_NUMBER)
    except paper_manifest.ManifestError as e:
        print(f"run_paper: {e}", file=sys.stderr)
        return 2
    rpbench = pathlib.Path(args.rpbench) if args.rpbench else root / "build" / "rpbench"
    results = (pathlib.Path(args.results) if args.results else root / "results").resolve()
    results.mkdir(parents=True, exist_ok=True)
    try:
        return run_paper(man, rpbench.resolve(), results, root, repeats=args.repeats, force=args.force,
                         draw=not args.no_draw,
                         draw_args=["--allow-mixed-contexts"] if args.allow_mixed_contexts else [])
    except run_sweep.SweepError as e:
        print(f"run_paper: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("run_paper: interrupted; run it again to resume (valid results are kept)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
