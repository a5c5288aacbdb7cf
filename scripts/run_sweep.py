#!/usr/bin/python3
"""Runs a sweep: one rpbench experiment per grid point, then the sweep's figures.

Usage: run_sweep.py SWEEP [--rpbench PATH] [--results DIR] [--force] [--repeats N] [--shard I/N] [--root DIR]

SWEEP names configs/sweeps/SWEEP.json (or is a path to a sweep file). A sweep file:
  {"name": "quick", "description": "...",
   "base": "configs/quick.json",                 # relative to the repo root
   "set":  {"measure.rate": 20000},              # optional: overrides for every point
   "grid": {"engine.type": ["memory", "null"], "dataset.keys": [10000, 100000]},
   "cases": [{"name": "a", "set": {...}}, ...],  # optional: named sets of overrides
   "figures": ["throughput", "latency"],         # optional: figure families to draw
   "repeats": 3}                                 # optional: runs per point (default 1)
The grid is the cartesian product of its lists, in key order (the last key varies fastest).
With "cases" (configurations that are not a product: rdb-fork next to rdma-pingpong over four
transports), every case is combined with every grid point, case first (point <case>_<grid point>);
a sweep needs a grid, cases, or both.
Each point runs `rpbench run BASE --set k=v ... --out RESULTS/SWEEP/<point>.json`; with repeats N
> 1 (the sweep's `repeats`, or --repeats N, which wins) each point runs N times as separate
experiments with the same config, RESULTS/SWEEP/<point>.r0.json ... <point>.r{N-1}.json. A result
file that is already there and valid is skipped (so an interrupted sweep resumes, repeat by
repeat) unless --force. A failing point is reported with its exit status and the tail of its stderr and the
sweep goes on; the runner exits 1 at the end if any point (or a figure family) failed, 2 for a
bad sweep file or a missing rpbench.
Figures go to RESULTS/SWEEP/figures/.
--shard I/N (1 <= I <= N) runs only runs I, I+N, I+2N, ... of the sweep's list (points x repeats, in
order), for N hosts or scheduler tasks sharing one results folder (each result is written to a
temporary name and renamed, so shards never see each other's partial files). A shard draws no
figures; a run without --shard afterwards skips every valid result and draws them.
"""
import argparse
import hashlib
import itertools
import json
import pathlib
import re
import subprocess
import sys
import time

SCRIPTS = pathlib.Path(__file__).resolve().parent
REPO_ROOT = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))
sys.path.insert(0, str(REPO_ROOT / "plots"))
import bound_child  # noqa: E402
from validate_results import is_valid_result  # noqa: E402

SWEEP_KEYS = {"name", "description", "base", "set", "grid", "cases", "figures", "repeats", "baselines"}
STDERR_TAIL_LINES = 15


class SweepError(ValueError):
    """A sweep file that cannot be run; the message names the file and the problem."""


def _check_dotted_key(path, where, key):
    if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", key):
        raise SweepError(f"{path}: {where} key {key!r} is not a dotted config key like 'measure.rate'")


def strip_json_comments(text):
    """Removes // line and /* block */ comments outside strings (configs may carry them, as the
    driver's JSON reader accepts them), keeping line numbers for error messages."""
    out, i, n = [], 0, len(text)
    in_string = False
    while i < n:
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append("\n" * text.count("\n", i, end))
            i = end
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def load_sweep(path, root, known_families=None):
    """Reads and checks a sweep file; returns it as a dict with 'set' and 'figures' filled in.
    Raises SweepError with a clear message on any problem."""
    path = pathlib.Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            sweep = json.loads(strip_json_comments(f.read()))
    except OSError as e:
        raise SweepError(f"{path}: cannot read sweep file: {e.strerror}") from e
    except json.JSONDecodeError as e:
        raise SweepError(f"{path}: not valid JSON: line {e.lineno} column {e.colno}: {e.msg}") from e
    if not isinstance(sweep, dict):
        raise SweepError(f"{path}: a sweep file is a JSON object")
    if "sweeps" in sweep or "probes" in sweep:
        raise SweepError(f"{path}: this is a set of sweeps and probes (the paper's figure set), not one "
                         f"sweep: run it with ./run_experiments.sh {path.stem} or scripts/run_paper.py")
    unknown = sorted(set(sweep) - SWEEP_KEYS)
    if unknown:
        raise SweepError(f"{path}: unknown key(s) {', '.join(unknown)}; "
                         f"allowed: {', '.join(sorted(SWEEP_KEYS))}")
    if "name" in sweep and sweep["name"] != path.stem:
        raise SweepError(f"{path}: name {sweep['name']!r} does not match the file name {path.stem!r}")
    if "base" not in sweep:
        raise SweepError(f"{path}: missing 'base' (the experiment config every point starts from, "
                         f"relative to the repo root)")
    if not isinstance(sweep["base"], str) or not sweep["base"]:
        raise SweepError(f"{path}: 'base' must be a path string")
    base = pathlib.Path(root) / sweep["base"]
    if not base.is_file():
        raise SweepError(f"{path}: base config {sweep['base']!r} not found (looked at {base})")
    fixed = sweep.get("set", {})
    if not isinstance(fixed, dict):
        raise SweepError(f"{path}: 'set' must be an object of dotted key -> value")
    for key in fixed:
        _check_dotted_key(path, "set", key)
    if "grid" not in sweep and "cases" not in sweep:
        raise SweepError(f"{path}: missing 'grid' (an object of dotted key -> list of values) or 'cases'")
    grid = sweep.get("grid", {})
    if not isinstance(grid, dict) or ("grid" in sweep and not grid):
        raise SweepError(f"{path}: 'grid' must be a non-empty object of dotted key -> list of values")
    for key, vals in grid.items():
        _check_dotted_key(path, "grid", key)
        if not isinstance(vals, list):
            raise SweepError(f"{path}: grid key {key!r} must map to a list of values, got {json.dumps(vals)}")
        if not vals:
            raise SweepError(f"{path}: grid key {key!r} has an empty list of values")
        dup = [v for i, v in enumerate(vals) if v in vals[:i]]
        if dup:
            raise SweepError(f"{path}: grid key {key!r} lists {json.dumps(dup[0])} more than once")
        if key in fixed:
            raise SweepError(f"{path}: key {key!r} is both in 'set' and in 'grid'")
    cases = _check_cases(path, sweep.get("cases"), fixed, grid)
    figures = sweep.get("figures", [])
    if not isinstance(figures, list) or not all(isinstance(x, str) for x in figures):
        raise SweepError(f"{path}: 'figures' must be a list of figure family names")
    if known_families is not None:
        bad = [x for x in figures if x not in known_families]
        if bad:
            raise SweepError(f"{path}: unknown figure famil{'y' if len(bad) == 1 else 'ies'} "
                             f"{', '.join(bad)}; known: {', '.join(known_families)}")
    repeats = sweep.get("repeats", 1)
    try:
        repeats = check_repeats(repeats)
    except ValueError as e:
        raise SweepError(f"{path}: 'repeats' {e}") from e
    baselines = _check_baselines(path, sweep.get("baselines", []))
    return {**sweep, "set": fixed, "grid": grid, "cases": cases, "figures": figures, "repeats": repeats,
            "baselines": baselines, "base_path": base}


def _check_baselines(path, baselines):
    """The sweep's baselines: [(name, [rpbench args])], checked. A baseline is a probe whose result
    the sweep's figures compare against (the transport's bandwidth): it runs once, before the
    points, into RESULTS/SWEEP/baselines/NAME.json."""
    if not isinstance(baselines, list):
        raise SweepError(f"{path}: 'baselines' must be a list of {{\"name\": ..., \"args\": [...]}}")
    out, seen = [], set()
    for i, b in enumerate(baselines):
        if (not isinstance(b, dict) or set(b) != {"name", "args"} or not isinstance(b["name"], str)
                or not b["name"] or not isinstance(b["args"], list) or not b["args"]
                or not all(isinstance(a, str) for a in b["args"])):
            raise SweepError(f"{path}: baselines[{i}] must be {{\"name\": \"NAME\", \"args\": [\"probe\", ...]}}")
        if b["args"][0] != "probe":
            raise SweepError(f"{path}: baselines[{i}] ({b['name']}): a baseline is an rpbench probe (args start with "
                             f"\"probe\"), got {b['args'][0]!r}")
        if _safe(b["name"]) != b["name"] or b["name"] in seen:
            raise SweepError(f"{path}: baselines[{i}]: name {b['name']!r} is not a unique plain file name")
        seen.add(b["name"])
        out.append((b["name"], list(b["args"])))
    return out


def run_probe(label, args, result, rpbench, root, force, out):
    """Runs `rpbench ARGS --out RESULT` unless a valid result is there; True when a valid one is.
    `label` names it in progress lines ("paper: probe fork", "baseline transport-shm")."""
    result = pathlib.Path(result)
    if not force and result.exists():
        ok, why = is_valid_result(result)
        if ok:
            print(f"{label} skipped (valid result present: {result})", file=out, flush=True)
            return True
        print(f"{label}: existing result is invalid ({why}); running again", file=out, flush=True)
    result.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(rpbench), *args, "--out", str(result)]
    print(f"{label}: {' '.join(cmd)}", file=out, flush=True)
    proc = bound_child.run(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        status = f"killed by signal {-proc.returncode}" if proc.returncode < 0 else f"exit status {proc.returncode}"
        print(f"{label} FAILED: {status}; stderr tail:\n{_tail(proc.stderr)}", file=out, flush=True)
        return False
    ok, why = is_valid_result(result)
    if not ok:
        print(f"{label} FAILED: rpbench exited 0 but {result} is invalid: {why}", file=out, flush=True)
    return ok


def _check_cases(path, cases, fixed, grid):
    """The sweep's cases as [(name, {key: value})], checked (None when it has none)."""
    if cases is None:
        return None
    if not isinstance(cases, list) or not cases:
        raise SweepError(f"{path}: 'cases' must be a non-empty list of {{\"name\": ..., \"set\": {{...}}}}")
    out = []
    for i, case in enumerate(cases):
        if not isinstance(case, dict) or set(case) - {"name", "set"} or "name" not in case:
            raise SweepError(f"{path}: cases[{i}] must be an object with 'name' and 'set' (and nothing else)")
        name, overrides = case["name"], case.get("set", {})
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.+-]*", name):
            raise SweepError(f"{path}: cases[{i}] name {name!r} must be letters, digits, '.', '+' or '-'")
        if any(name == n for n, _ in out):
            raise SweepError(f"{path}: case name {name!r} is used more than once")
        if not isinstance(overrides, dict):
            raise SweepError(f"{path}: cases[{i}] 'set' must be an object of dotted key -> value")
        for key in overrides:
            _check_dotted_key(path, f"cases[{i}]", key)
            if key in fixed or key in grid:
                raise SweepError(f"{path}: key {key!r} of case {name!r} is also in "
                                 f"{'set' if key in fixed else 'grid'}")
        out.append((name, overrides))
    return out


def expand_sweep(sweep):
    """[(point name, {key: value})] of a loaded sweep: its cases x its grid."""
    grid_points = expand_grid(sweep["grid"]) if sweep["grid"] else [("", {})]
    if not sweep.get("cases"):
        return grid_points
    return [(f"{case}_{g}" if g else case, {**overrides, **point})
            for case, overrides in sweep["cases"] for g, point in grid_points]


def check_repeats(value):
    """The number of runs per point: an integer >= 1 (raises ValueError saying what it got)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"must be an integer >= 1, got {json.dumps(value)}")
    return value


def result_names(point_name, repeats):
    """The result file stems of one point: <point> for a single run, <point>.r0 ... otherwise."""
    if repeats == 1:
        return [point_name]
    return [f"{point_name}.r{k}" for k in range(repeats)]


def _value_name(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, str):
        return v
    return json.dumps(v, separators=(",", ":"))


def _safe(text):
    return re.sub(r"[^A-Za-z0-9.+-]+", "-", text).strip("-.") or "x"


def expand_grid(grid):
    """[(point name, {key: value})] for the cartesian product of the grid, in key order.
    Names join the values with '_' (memory_10000), filesystem-safe; names that would collide
    get a short hash of the point appended, so every name is unique and stable."""
    keys = list(grid)
    points = [dict(zip(keys, combo)) for combo in itertools.product(*(grid[k] for k in keys))]
    names = ["_".join(_safe(_value_name(p[k])) for k in keys) for p in points]
    counts = {n: names.count(n) for n in names}
    out = []
    for name, point in zip(names, points):
        if counts[name] > 1:
            digest = hashlib.sha1(json.dumps(point, sort_keys=True).encode()).hexdigest()[:8]
            name = f"{name}-{digest}"
        out.append((name, point))
    return out


def set_argument(key, value):
    """'key=VALUE' for `rpbench --set`. The driver parses VALUE as JSON when it can, else takes
    it as a string: a string is passed bare unless it would parse as JSON (e.g. "true", "10"),
    in which case it is quoted."""
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return f"{key}={value}"
    return f"{key}={json.dumps(value, separators=(',', ':'))}"


def command(rpbench, base, fixed, point, out):
    cmd = [str(rpbench), "run", str(base)]
    for key, value in list(fixed.items()) + list(point.items()):
        cmd += ["--set", set_argument(key, value)]
    return cmd + ["--out", str(out)]


def _tail(text, lines=STDERR_TAIL_LINES):
    rows = text.rstrip().splitlines()
    return "\n".join("    " + r for r in rows[-lines:]) if rows else "    (no stderr)"


def draw_figures(result_files, figdir, names, out):
    """Draws the named families in-process; returns ['figures:<family>'] for each that raised
    (reported with its error) so a plotting bug fails the sweep without losing the results."""
    from rpplot import families, loader

    results = loader.load_results(result_files)
    failed, total = [], 0
    for family in names:
        try:
            total += len(families.FAMILIES[family].draw(results, figdir))
        except Exception as e:  # noqa: BLE001  (report any plotting error, keep going)
            failed.append(f"figures:{family}")
            print(f"figures: family {family} failed: {type(e).__name__}: {e}", file=out, flush=True)
    print(f"figures: {total} file(s) in {figdir}", file=out, flush=True)
    return failed


def sweep_runs(sweep, repeats):
    """The sweep's runs in order: (result stem, point) for every point and repeat."""
    return [(stem, point) for point_name, point in expand_sweep(sweep) for stem in result_names(point_name, repeats)]


def parse_shard(text):
    """'I/N' -> (I, N) with 1 <= I <= N; raises ValueError saying what is wrong."""
    m = re.fullmatch(r"([0-9]+)/([0-9]+)", text or "")
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise ValueError(f"--shard must be I/N with 1 <= I <= N (e.g. 2/4), got {text!r}")
    return int(m.group(1)), int(m.group(2))


def run_sweep(sweep_path, rpbench, results_root, root, force=False, out=None, repeats=None, shard=None):
    """Runs every point (`repeats` times each: the argument if given, else the sweep file's) and
    draws the figures; returns the process exit status. Progress goes to `out` (default: the
    current sys.stdout). shard (I, N): only runs I, I+N, ... (1-based), and no figures."""
    out = out or sys.stdout
    from rpplot import families  # imported here: matplotlib only when a sweep really runs

    sweep_path = pathlib.Path(sweep_path)
    sweep = load_sweep(sweep_path, root, known_families=list(families.FAMILIES))
    name = sweep_path.stem
    repeats = sweep["repeats"] if repeats is None else check_repeats(repeats)
    runs = sweep_runs(sweep, repeats)
    if shard:
        runs = runs[shard[0] - 1::shard[1]]
    outdir = pathlib.Path(results_root) / name
    outdir.mkdir(parents=True, exist_ok=True)
    rpbench = pathlib.Path(rpbench)
    n = len(runs)
    failed = []
    done = []
    baseline_files = [(b, outdir / "baselines" / f"{b}.json") for b, _ in sweep["baselines"]] if not shard else []
    need_binary = force or any(not is_valid_result(outdir / f"{p}.json")[0] for p, _ in runs) or any(
        not is_valid_result(f)[0] for _, f in baseline_files)
    if need_binary and not (rpbench.is_file() and rpbench.stat().st_mode & 0o111):
        print(f"run_sweep: rpbench not found or not executable at {rpbench}; build it "
              f"(ninja -C build rpbench) or pass --rpbench PATH", file=sys.stderr)
        return 2
    baselines = []
    for (b, result), (_, args) in zip(baseline_files, sweep["baselines"]):
        if run_probe(f"baseline {b}", args, result, rpbench, root, force, out):
            baselines.append(result)
        else:
            failed.append(f"baseline {b}")
    for i, (point_name, point) in enumerate(runs, 1):
        result = outdir / f"{point_name}.json"
        if not force and result.exists():
            ok, why = is_valid_result(result)
            if ok:
                print(f"[{i}/{n}] {point_name} skipped (valid result present)", file=out, flush=True)
                done.append(result)
                continue
            print(f"[{i}/{n}] {point_name}: existing result is invalid ({why}); running again",
                  file=out, flush=True)
        print(f"[{i}/{n}] {point_name} ...", file=out, flush=True)
        cmd = command(rpbench, sweep["base_path"], sweep["set"], point, result)
        start = time.monotonic()
        proc = bound_child.run(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, check=False)
        secs = time.monotonic() - start
        if proc.returncode != 0:
            failed.append(point_name)
            status = (f"killed by signal {-proc.returncode}" if proc.returncode < 0
                      else f"exit status {proc.returncode}")
            print(f"[{i}/{n}] {point_name} FAILED: {status} after {secs:.1f} s; "
                  f"stderr tail:\n{_tail(proc.stderr)}", file=out, flush=True)
            continue
        ok, why = is_valid_result(result)
        if not ok:
            failed.append(point_name)
            print(f"[{i}/{n}] {point_name} FAILED: rpbench exited 0 but its result {result} is "
                  f"invalid: {why}", file=out, flush=True)
            continue
        print(f"[{i}/{n}] {point_name} done in {secs:.1f} s", file=out, flush=True)
        done.append(result)
    which = f"shard {shard[0]}/{shard[1]}: " if shard else ""
    if shard and sweep["figures"]:
        print(f"figures: not drawn by a shard (run the sweep without --shard once every shard is done: it "
              f"skips the valid results and draws)", file=out, flush=True)
    elif sweep["figures"] and done:
        failed += draw_figures(done + baselines, outdir / "figures", sweep["figures"], out)
    if failed:
        print(f"run_sweep: {which}{len(failed)} failure(s) in {n} {_runs_word(repeats)}: {', '.join(failed)}",
              file=out, flush=True)
        return 1
    print(f"run_sweep: {which}{n} {_runs_word(repeats)} ok", file=out, flush=True)
    return 0


def _runs_word(repeats):
    return "point(s)" if repeats == 1 else f"run(s) ({repeats} repeats per point)"


def resolve_sweep(arg, root):
    p = pathlib.Path(arg)
    if p.suffix == ".json" or "/" in arg:
        return p
    return pathlib.Path(root) / "configs" / "sweeps" / f"{arg}.json"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("sweep", help="sweep name (configs/sweeps/NAME.json) or a sweep file path")
    ap.add_argument("--rpbench", help="the rpbench binary (default: ROOT/build/rpbench)")
    ap.add_argument("--results", help="results root (default: ROOT/results)")
    ap.add_argument("--force", action="store_true", help="re-run points whose result is valid")
    ap.add_argument("--repeats", type=int, metavar="N",
                    help="runs per point, results <point>.r0.json ... (default: the sweep's 'repeats', else 1)")
    ap.add_argument("--shard", metavar="I/N",
                    help="run only runs I, I+N, I+2N, ... (1 <= I <= N) of the sweep, and draw no figures")
    ap.add_argument("--root", default=str(REPO_ROOT),
                    help="repo root for sweep names and base paths (default: this repo)")
    args = ap.parse_args(argv)
    root = pathlib.Path(args.root).resolve()
    rpbench = pathlib.Path(args.rpbench) if args.rpbench else root / "build" / "rpbench"
    results = pathlib.Path(args.results) if args.results else root / "results"
    if args.repeats is not None and args.repeats < 1:
        print(f"run_sweep: --repeats must be an integer >= 1, got {args.repeats}", file=sys.stderr)
        return 2
    shard = None
    if args.shard is not None:
        try:
            shard = parse_shard(args.shard)
        except ValueError as e:
            print(f"run_sweep: {e}", file=sys.stderr)
            return 2
    try:
        return run_sweep(resolve_sweep(args.sweep, root), rpbench.resolve(), results.resolve(),
                         root, force=args.force, repeats=args.repeats, shard=shard)
    except SweepError as e:
        print(f"run_sweep: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("run_sweep: interrupted; run it again to resume (valid results are kept)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
