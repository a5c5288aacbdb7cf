#!/usr/bin/python3
"""Submits a sweep to a Slurm cluster: a job array of one task per run (point x repeat), each
task running exactly that run (`run_sweep.py SWEEP --shard I/N` with N the number of runs) into
the shared results folder, and a job that depends on the whole array (afterany) and draws the
figures (a plain `run_sweep.py SWEEP`: it skips every valid result, runs the sweep's baselines
and whatever a failed task left, then draws). Resume works as without Slurm: a task whose valid
result exists, whichever host wrote it, is skipped.

Usage: slurm_submit.py SWEEP [--rpbench PATH] [--results DIR] [--repeats N] [--partition P]
                       [--max-parallel K] [--root DIR]
Writes RESULTS/SWEEP/slurm/{task.sh,figures.sh,jobs.json} and the jobs' logs beside them; prints
the job ids. Exit status 0 when both jobs were submitted, 2 for bad arguments or a bad sweep, 1
when sbatch is missing or refused.
"""
import argparse
import json
import os
import pathlib
import shlex
import shutil
import subprocess
import sys

SCRIPTS = pathlib.Path(__file__).resolve().parent
REPO_ROOT = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))
import run_sweep  # noqa: E402


def sbatch(args):
    p = subprocess.run(["sbatch", "--parsable"] + args, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"sbatch {' '.join(args)}: {(p.stderr or p.stdout).strip()}")
    return p.stdout.strip().split(";")[0]  # "<job id>[;<cluster>]"


def script(lines):
    return "#!/bin/bash\nset -euo pipefail\n" + "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("sweep")
    ap.add_argument("--rpbench")
    ap.add_argument("--results")
    ap.add_argument("--repeats", type=int)
    ap.add_argument("--partition")
    ap.add_argument("--max-parallel", type=int, metavar="K", help="at most K tasks at once (the array's %%K)")
    ap.add_argument("--root", default=str(REPO_ROOT))
    args = ap.parse_args(argv)
    root = pathlib.Path(args.root).resolve()
    rpbench = (pathlib.Path(args.rpbench) if args.rpbench else root / "build" / "rpbench").resolve()
    results = (pathlib.Path(args.results) if args.results else root / "results").resolve()
    if args.max_parallel is not None and args.max_parallel < 1:
        print(f"slurm_submit: --max-parallel must be >= 1, got {args.max_parallel}", file=sys.stderr)
        return 2
    if shutil.which("sbatch") is None:
        print("slurm_submit: sbatch not found: is this a Slurm submit host? (Debian: slurm-client)", file=sys.stderr)
        return 1
    sweep_path = run_sweep.resolve_sweep(args.sweep, root)
    try:
        sweep = run_sweep.load_sweep(sweep_path, root)
        repeats = sweep["repeats"] if args.repeats is None else run_sweep.check_repeats(args.repeats)
    except (run_sweep.SweepError, ValueError) as e:
        print(f"slurm_submit: {e}", file=sys.stderr)
        return 2
    n = len(run_sweep.sweep_runs(sweep, repeats))
    name = sweep_path.stem
    outdir = results / name / "slurm"
    outdir.mkdir(parents=True, exist_ok=True)
    py = shlex.quote(sys.executable)
    common = (f"{py} {shlex.quote(str(SCRIPTS / 'run_sweep.py'))} {shlex.quote(str(sweep_path))} "
              f"--rpbench {shlex.quote(str(rpbench))} --results {shlex.quote(str(results))} "
              f"--root {shlex.quote(str(root))} --repeats {repeats}")
    task = outdir / "task.sh"
    task.write_text(script([f"cd {shlex.quote(str(root))}",
                            f'exec {common} --shard "$((SLURM_ARRAY_TASK_ID + 1))/{n}"']))
    figures = outdir / "figures.sh"
    figures.write_text(script([f"cd {shlex.quote(str(root))}", f"exec {common}"]))
    for f in (task, figures):
        f.chmod(0o755)
    base = ["--chdir", str(root)] + (["--partition", args.partition] if args.partition else [])
    array = f"0-{n - 1}" + (f"%{args.max_parallel}" if args.max_parallel else "")
    try:
        array_id = sbatch(base + ["--job-name", f"rpbench-{name}", "--array", array, "--ntasks", "1",
                                  "--output", str(outdir / "task-%A_%a.out"), str(task)])
        figures_id = sbatch(base + ["--job-name", f"rpbench-{name}-figures", "--dependency", f"afterany:{array_id}",
                                    "--output", str(outdir / "figures-%j.out"), str(figures)])
    except RuntimeError as e:
        print(f"slurm_submit: {e}", file=sys.stderr)
        return 1
    jobs = {"sweep": name, "runs": n, "array_job": array_id, "figures_job": figures_id,
            "max_parallel": args.max_parallel, "partition": args.partition, "logs": str(outdir)}
    tmp = outdir / "jobs.json.tmp"
    tmp.write_text(json.dumps(jobs, indent=2) + "\n")
    os.replace(tmp, outdir / "jobs.json")
    print(f"slurm: sweep {name}: array job {array_id} ({n} task(s)"
          f"{f', at most {args.max_parallel} at once' if args.max_parallel else ''}), figures job {figures_id} "
          f"after it; logs and jobs.json in {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
