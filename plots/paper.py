#!/usr/bin/python3
"""Draws the paper's numbered figure set and its report page from the results alone.

Usage: paper.py [RESULTS] [--out DIR] [--manifest FILE] [--figures 1,3] [--spread range|iqr]
                [--context FIELD=VALUE ...] [--allow-mixed-contexts] [--debug]

RESULTS (default: the repo's results/) holds one folder per sweep and probe/; the manifest
(default configs/sweeps/paper.json) says which sweeps and probes feed which figure. Figures go to
RESULTS/paper/ (or --out) as figNN_<name>.png / .pdf / .caption.txt, with index.html. A figure
without results is skipped with one line naming the sweep that produces it. Exit status: 0 when
every figure was drawn or skipped, 1 when a figure was refused (a line would mix machines,
builds or THP modes: pick one with --context host=NAME, or --allow-mixed-contexts) or failed or a
result file was bad, 2 for bad arguments or a missing results folder or manifest.
"""
import argparse
import pathlib
import shlex
import sys

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from rpplot import contexts  # noqa: E402
from rpplot.paper import build, inputs, manifest, registry  # noqa: E402


def _validator():
    """scripts/validate_results.py's check (schema and histogram relations), or None when the
    jsonschema module is missing (then only the JSON is checked, and we say so)."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import validate_results
    except ImportError as e:
        print(f"paper: results are not schema-checked ({e}); install python3-jsonschema", file=sys.stderr)
        return None
    return validate_results.validation_error


def _figures(text):
    if not text:
        return ()
    try:
        numbers = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise ValueError(f"--figures wants figure numbers like 1,3,10, got {text!r}") from None
    bad = [n for n in numbers if n not in registry.BY_NUMBER]
    if bad:
        raise ValueError(f"--figures: no figure {bad[0]}; the figures are 1-{len(registry.FIGURES)}")
    return numbers


def _selectors(items):
    out = {}
    for item in items or []:
        field, sep, value = item.partition("=")
        if not sep or field not in contexts.FIELDS:
            raise ValueError(f"--context wants FIELD=VALUE with FIELD one of {', '.join(contexts.FIELDS)}, got {item!r}")
        out[field] = value
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("results", nargs="?", default=str(REPO / "results"), help="results root (default: results/)")
    ap.add_argument("--out", help="figure and report folder (default RESULTS/paper)")
    ap.add_argument("--manifest", default=str(REPO / "configs" / "sweeps" / "paper.json"),
                    help="the paper's sweeps and probes (default configs/sweeps/paper.json)")
    ap.add_argument("--root", default=str(REPO), help="repo root, to tell which sweep files exist (default: this repo)")
    ap.add_argument("--figures", help="comma-separated figure numbers (default: all)")
    ap.add_argument("--spread", choices=("range", "iqr"), default="range",
                    help="error bars: min-max range (default) or interquartile range")
    ap.add_argument("--context", action="append", metavar="FIELD=VALUE",
                    help=f"keep only results whose context has FIELD=VALUE ({', '.join(contexts.FIELDS)}); repeatable")
    ap.add_argument("--allow-mixed-contexts", action="store_true",
                    help="draw lines whose results come from different machines, builds or THP modes (the caption says so)")
    ap.add_argument("--debug", action="store_true", help="let a failing figure's exception out with its traceback")
    args = ap.parse_args(argv)
    root = pathlib.Path(args.results)
    try:
        figures, selectors = _figures(args.figures), _selectors(args.context)
        if not root.is_dir():
            raise ValueError(f"no results folder {root} (run ./run_experiments.sh paper, or name the folder)")
        man = manifest.load(args.manifest, registry.BY_NUMBER)
    except (ValueError, manifest.ManifestError) as e:
        print(f"paper: {e}", file=sys.stderr)
        return 2
    sweeps_dir = pathlib.Path(args.root) / "configs" / "sweeps"
    options = build.Options(allow_mixed=args.allow_mixed_contexts, spread=args.spread, figures=figures,
                            debug=args.debug, sweep_exists=lambda name: (sweeps_dir / f"{name}.json").is_file(),
                            command_line="plots/paper.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])))
    found = inputs.load(man, root, validate=_validator(), selectors=selectors)
    out = pathlib.Path(args.out) if args.out else root / "paper"
    paper = build.draw_paper(found, out, options)
    return 0 if paper.ok else 1


if __name__ == "__main__":
    sys.exit(main())
