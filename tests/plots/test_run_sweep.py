"""scripts/run_sweep.py against a fake rpbench (a small script that records its argv and writes
a fixture as the result): grid expansion, point names, resume, failures, sweep-file checks."""
import contextlib
import io
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import textwrap
import unittest

import helpers
import run_sweep

FAKE_RPBENCH = textwrap.dedent("""\
    #!/usr/bin/python3
    # Fake rpbench: records argv, then behaves as FAKE_MODE says for points matching FAKE_MATCH.
    import json, os, sys
    args = sys.argv[1:]
    with open(os.environ["FAKE_LOG"], "a") as f:
        f.write(json.dumps(args) + "\\n")
    out = args[args.index("--out") + 1]
    sets = [args[i + 1] for i, a in enumerate(args) if a == "--set"]
    match = os.environ.get("FAKE_MATCH")
    mode = os.environ.get("FAKE_MODE", "ok") if match and match in sets else "ok"
    if mode == "kill":
        os.kill(os.getpid(), 9)
    if mode == "hang":
        with open(os.environ["FAKE_PIDFILE"], "w") as f:
            f.write(str(os.getpid()))
        import time
        time.sleep(120)
    if mode == "fail":
        for i in range(30):
            print(f"log line {i}", file=sys.stderr)
        print("error: engine 'null' cannot snapshot", file=sys.stderr)
        sys.exit(3)
    with open(os.environ["FAKE_FIXTURE"]) as f:
        doc = json.load(f)
    doc["config"]["set"] = sets
    if mode == "invalid":
        del doc["phases"]
    with open(out, "w") as f:
        json.dump(doc, f)
    """)

SWEEP = {
    "name": "quick",
    "description": "test sweep",
    "base": "configs/quick.json",
    "set": {"measure.rate": 20000},
    "grid": {"engine.type": ["memory", "null"], "dataset.keys": [10000, 100000]},
    "figures": [],
}
POINTS = ["memory_10000", "memory_100000", "null_10000", "null_100000"]


class GridTest(unittest.TestCase):
    def test_expand_grid_order_and_names(self):
        points = run_sweep.expand_grid(SWEEP["grid"])
        self.assertEqual([n for n, _ in points], POINTS)
        self.assertEqual(points[1][1], {"engine.type": "memory", "dataset.keys": 100000})

    def test_names_are_safe_and_unique(self):
        points = run_sweep.expand_grid({"a": ["x/y", "x y", True, None, 0.5, [1, 2], {"k": "v"}]})
        names = [n for n, _ in points]
        self.assertEqual(len(set(names)), len(names))
        for n in names:
            self.assertRegex(n, r"^[A-Za-z0-9._+-]+$")
            self.assertFalse(n.startswith("."))
        self.assertEqual(names[2:5], ["true", "null", "0.5"])
        # "x/y" and "x y" both sanitize to "x-y": each gets a stable hash suffix
        self.assertTrue(names[0].startswith("x-y-") and names[1].startswith("x-y-"))
        self.assertEqual(names, [n for n, _ in run_sweep.expand_grid(
            {"a": ["x/y", "x y", True, None, 0.5, [1, 2], {"k": "v"}]})])

    def test_cases_times_the_grid(self):
        sweep = {"grid": {"dataset.keys": [1, 2]},
                 "cases": [("file", {"engine.type": "rdb-fork"}),
                           ("shm", {"engine.type": "rdma-pingpong", "transport.type": "shm"})]}
        points = run_sweep.expand_sweep(sweep)
        self.assertEqual([n for n, _ in points], ["file_1", "file_2", "shm_1", "shm_2"])
        self.assertEqual(points[3][1], {"engine.type": "rdma-pingpong", "transport.type": "shm", "dataset.keys": 2})
        only = run_sweep.expand_sweep({"grid": {}, "cases": sweep["cases"]})
        self.assertEqual([n for n, _ in only], ["file", "shm"])

    def test_set_argument(self):
        self.assertEqual(run_sweep.set_argument("engine.type", "memory"), "engine.type=memory")
        self.assertEqual(run_sweep.set_argument("measure.rate", 20000), "measure.rate=20000")
        self.assertEqual(run_sweep.set_argument("x.flag", True), "x.flag=true")
        self.assertEqual(run_sweep.set_argument("x.s", "true"), 'x.s="true"')
        self.assertEqual(run_sweep.set_argument("x.s", "10"), 'x.s="10"')
        self.assertEqual(run_sweep.set_argument("x.l", [1, 2]), "x.l=[1,2]")
        self.assertEqual(run_sweep.set_argument("x.n", None), "x.n=null")


class SweepRunTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.root = pathlib.Path(self._tmp.name)
        (self.root / "configs" / "sweeps").mkdir(parents=True)
        helpers.write_json(self.root / "configs" / "quick.json", {"name": "quick"})
        self.write_sweep(SWEEP)
        self.fake = self.root / "fake_rpbench"
        self.fake.write_text(FAKE_RPBENCH)
        self.fake.chmod(0o755)
        self.log = self.root / "argv.log"
        self.env = {"FAKE_LOG": str(self.log), "FAKE_FIXTURE": str(helpers.fixture_path("exp_memory"))}
        self._saved_env = {k: os.environ.get(k) for k in ("FAKE_LOG", "FAKE_FIXTURE", "FAKE_MODE", "FAKE_MATCH")}
        os.environ.update(self.env)
        self.results = self.root / "results"

    def tearDown(self):
        for k, v in self._saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        self._tmp.cleanup()

    def write_sweep(self, doc, name="quick"):
        return helpers.write_json(self.root / "configs" / "sweeps" / f"{name}.json", doc)

    def run_sweep(self, *extra, sweep="quick"):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = run_sweep.main([sweep, "--root", str(self.root), "--rpbench", str(self.fake),
                                 "--results", str(self.results), *extra])
        return rc, out.getvalue(), err.getvalue()

    def calls(self):
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def test_runs_every_point_with_its_overrides(self):
        rc, out, _ = self.run_sweep()
        self.assertEqual(rc, 0, out)
        calls = self.calls()
        self.assertEqual(len(calls), 4)
        base = str((self.root / "configs" / "quick.json").resolve())
        self.assertEqual(calls[0], ["run", base, "--set", "measure.rate=20000",
                                    "--set", "engine.type=memory", "--set", "dataset.keys=10000",
                                    "--out", str(self.results.resolve() / "quick" / "memory_10000.json")])
        # "null" would parse as JSON null, so that string is quoted
        self.assertEqual([c[5] for c in calls], ["engine.type=memory", "engine.type=memory",
                                                 'engine.type="null"', 'engine.type="null"'])
        self.assertEqual([c[7] for c in calls], ["dataset.keys=10000", "dataset.keys=100000"] * 2)
        for i, p in enumerate(POINTS, 1):
            self.assertIn(f"[{i}/4] {p} ...", out)
            self.assertTrue((self.results / "quick" / f"{p}.json").is_file())
        self.assertFalse((self.results / "quick" / "figures").exists())  # no figures asked for

    def test_resumes_skipping_valid_results(self):
        self.assertEqual(self.run_sweep()[0], 0)
        self.log.unlink()
        # damage one result: only that point runs again
        (self.results / "quick" / "null_10000.json").write_text("{\"schema_version\": 1")
        rc, out, _ = self.run_sweep()
        self.assertEqual(rc, 0, out)
        self.assertEqual(len(self.calls()), 1)
        self.assertIn('engine.type="null"', self.calls()[0])
        self.assertIn("dataset.keys=10000", self.calls()[0])
        self.assertIn("[1/4] memory_10000 skipped (valid result present)", out)
        self.assertIn("[3/4] null_10000: existing result is invalid", out)
        self.assertIn("[3/4] null_10000 ...", out)
        self.log.unlink()
        rc, out, _ = self.run_sweep()
        self.assertEqual((rc, self.calls()), (0, []))
        self.assertEqual(out.count("skipped (valid result present)"), 4)
        rc, out, _ = self.run_sweep("--force")
        self.assertEqual((rc, len(self.calls())), (0, 4))

    def test_shards_split_the_runs_and_draw_no_figures(self):
        self.write_sweep({**SWEEP, "figures": ["throughput"]})
        names = []
        for shard in ("1/3", "2/3", "3/3"):
            if self.log.exists():
                self.log.unlink()
            rc, out, _ = self.run_sweep("--shard", shard)
            self.assertEqual(rc, 0, out)
            self.assertIn(f"run_sweep: shard {shard}: ", out)
            self.assertIn("figures: not drawn by a shard", out)
            names += [pathlib.Path(c[-1]).stem for c in self.calls()]
        self.assertEqual(sorted(names), sorted(POINTS))  # every point exactly once
        self.assertEqual(names[:2], [POINTS[0], POINTS[3]])  # shard 1/3: runs 1 and 4
        self.assertFalse((self.results / "quick" / "figures").exists())
        self.log.unlink()
        rc, out, _ = self.run_sweep()  # afterwards: nothing runs, the figures are drawn
        self.assertEqual((rc, self.calls()), (0, []), out)
        self.assertTrue(list((self.results / "quick" / "figures").glob("*.png")))
        for bad in ("0/2", "3/2", "1", "a/b", "1/0"):
            rc, _, err = self.run_sweep("--shard", bad)
            self.assertEqual(rc, 2, bad)
            self.assertIn("--shard must be I/N", err)

    def test_repeats_run_each_point_as_separate_experiments(self):
        self.write_sweep({**SWEEP, "grid": {"engine.type": ["memory"]}, "repeats": 3})
        rc, out, _ = self.run_sweep()
        self.assertEqual(rc, 0, out)
        files = sorted(p.name for p in (self.results / "quick").glob("*.json"))
        self.assertEqual(files, ["memory.r0.json", "memory.r1.json", "memory.r2.json"])
        calls = self.calls()
        self.assertEqual(len(calls), 3)
        self.assertEqual({tuple(c[:-1]) for c in calls}, {tuple(calls[0][:-1])})  # the same config
        self.assertIn("[2/3] memory.r1 ...", out)
        self.assertIn("run_sweep: 3 run(s) (3 repeats per point) ok", out)

    def test_repeats_resume_per_repeat_and_the_command_line_wins(self):
        self.write_sweep({**SWEEP, "grid": {"engine.type": ["memory", "null"]}, "repeats": 2})
        self.assertEqual(self.run_sweep()[0], 0)
        self.log.unlink()
        (self.results / "quick" / "null.r1.json").unlink()
        rc, out, _ = self.run_sweep()
        self.assertEqual(rc, 0, out)
        self.assertEqual([c[-1] for c in self.calls()], [str(self.results.resolve() / "quick" / "null.r1.json")])
        self.assertIn("[1/4] memory.r0 skipped (valid result present)", out)
        self.log.unlink()
        rc, out, _ = self.run_sweep("--repeats", "3")  # one more repeat of each point
        self.assertEqual(rc, 0, out)
        self.assertEqual(sorted(pathlib.Path(c[-1]).name for c in self.calls()), ["memory.r2.json", "null.r2.json"])
        self.log.unlink()
        rc, out, _ = self.run_sweep("--repeats", "1")  # a single run keeps the plain name
        self.assertEqual([pathlib.Path(c[-1]).name for c in self.calls()], ["memory.json", "null.json"])

    def test_bad_repeats(self):
        for bad in (0, -1, 1.5, "3", True):
            with self.subTest(repeats=bad):
                self.write_sweep({**SWEEP, "repeats": bad})
                rc, _, err = self.run_sweep()
                self.assertEqual(rc, 2)
                self.assertIn("'repeats' must be an integer >= 1", err)
        self.write_sweep(SWEEP)
        rc, _, err = run_sweep_cli(self, "--rpbench", str(self.fake), "--repeats", "0")
        self.assertEqual(rc, 2)
        self.assertIn("--repeats must be an integer >= 1, got 0", err)
        self.assertNotIn("Traceback", err)
        self.assertEqual(self.calls(), [])

    def test_a_set_of_sweeps_is_not_a_sweep(self):
        self.write_sweep({"name": "quick", "sweeps": [], "probes": []})
        rc, _, err = self.run_sweep()
        self.assertEqual(rc, 2)
        self.assertIn("not one sweep: run it with ./run_experiments.sh quick", err)

    def test_a_failing_point_is_reported_and_the_sweep_goes_on(self):
        os.environ.update({"FAKE_MODE": "fail", "FAKE_MATCH": 'engine.type="null"'})
        rc, out, _ = self.run_sweep()
        self.assertEqual(rc, 1)
        self.assertEqual(len(self.calls()), 4)  # went on after the first failure
        self.assertIn("[3/4] null_10000 FAILED: exit status 3", out)
        self.assertIn("error: engine 'null' cannot snapshot", out)
        self.assertIn("log line 29", out)
        self.assertNotIn("log line 5\n", out)  # only the tail
        self.assertIn("null_10000, null_100000", out)
        self.assertTrue((self.results / "quick" / "memory_10000.json").is_file())
        self.assertFalse((self.results / "quick" / "null_10000.json").exists())

    def test_a_killed_point_names_the_signal(self):
        os.environ.update({"FAKE_MODE": "kill", "FAKE_MATCH": "dataset.keys=10000"})
        rc, out, _ = self.run_sweep()
        self.assertEqual(rc, 1)
        self.assertIn("[1/4] memory_10000 FAILED: killed by signal 9", out)
        self.assertIn("(no stderr)", out)
        self.assertIn("[2/4] memory_100000 done", out)

    def test_a_killed_runner_leaves_no_rpbench_behind(self):
        # SIGKILL of the runner (it cannot catch that) must not leave the experiment it started
        # running: the child is bound to the runner's life (scripts/bound_child.py).
        import signal
        import time
        pidfile = self.root / "fake.pid"
        os.environ.update({"FAKE_MODE": "hang", "FAKE_MATCH": "dataset.keys=10000",
                           "FAKE_PIDFILE": str(pidfile)})
        try:
            runner = subprocess.Popen([sys.executable, str(helpers.SCRIPTS / "run_sweep.py"), "quick",
                                       "--root", str(self.root), "--results", str(self.results),
                                       "--rpbench", str(self.fake)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 30
            while not pidfile.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertTrue(pidfile.exists(), "the fake rpbench never started")
            time.sleep(0.1)
            child = int(pidfile.read_text())
            runner.kill()
            runner.wait()
            deadline = time.monotonic() + 10
            alive = True
            while alive and time.monotonic() < deadline:
                try:
                    os.kill(child, 0)
                    time.sleep(0.05)
                except ProcessLookupError:
                    alive = False
            if alive:
                os.kill(child, signal.SIGKILL)
            self.assertFalse(alive, "the experiment outlived its killed runner")
        finally:
            os.environ.pop("FAKE_PIDFILE", None)

    def test_an_invalid_result_is_a_failure(self):
        os.environ.update({"FAKE_MODE": "invalid", "FAKE_MATCH": "dataset.keys=100000"})
        rc, out, _ = self.run_sweep()
        self.assertEqual(rc, 1)
        self.assertIn("[2/4] memory_100000 FAILED: rpbench exited 0 but its result", out)
        self.assertIn("phases", out)

    def test_draws_the_sweep_figures(self):
        self.write_sweep({**SWEEP, "grid": {"engine.type": ["memory"]}, "figures": ["throughput"]})
        rc, out, _ = self.run_sweep()
        self.assertEqual(rc, 0, out)
        figs = sorted(p.name for p in (self.results / "quick" / "figures").iterdir())
        self.assertEqual(figs, ["throughput_none_thp-never.pdf", "throughput_none_thp-never.png"])

    def test_sweep_file_may_carry_comments(self):
        path = self.root / "configs" / "sweeps" / "quick.json"
        path.write_text('// the quick sweep\n{"base": "configs/quick.json", /* the grid */\n'
                        '"grid": {"engine.type": ["memory", "a//b"]}}\n')
        sweep = run_sweep.load_sweep(path, self.root)
        self.assertEqual(sweep["grid"], {"engine.type": ["memory", "a//b"]})
        self.assertEqual((sweep["set"], sweep["figures"]), ({}, []))
        # positions in errors still point at the right line
        path.write_text('// comment\n/* two\nlines */\n{"base": }\n')
        with self.assertRaisesRegex(run_sweep.SweepError, "line 4"):
            run_sweep.load_sweep(path, self.root)

    def test_missing_rpbench(self):
        rc, _, err = run_sweep_cli(self, "--rpbench", str(self.root / "nope"))
        self.assertEqual(rc, 2)
        self.assertIn("rpbench not found", err)

    def test_baselines_run_once_before_the_points_and_resume(self):
        self.write_sweep({**SWEEP, "baselines": [{"name": "transport-shm", "args": ["probe", "transport", "--type", "shm"]}]})
        rc, out, _ = self.run_sweep()
        self.assertEqual(rc, 0, out)
        calls = self.calls()
        self.assertEqual(len(calls), 5)
        self.assertEqual(calls[0], ["probe", "transport", "--type", "shm", "--out",
                                    str(self.results.resolve() / "quick" / "baselines" / "transport-shm.json")])
        self.assertIn("baseline transport-shm: ", out)
        self.log.unlink()
        rc, out, _ = self.run_sweep()
        self.assertEqual((rc, self.calls()), (0, []), out)
        self.assertIn("baseline transport-shm skipped (valid result present", out)

    def test_sweep_file_errors(self):
        cases = [
            ({k: v for k, v in SWEEP.items() if k != "base"}, "missing 'base'"),
            ({**SWEEP, "gird": {}}, "unknown key(s) gird"),
            ({**SWEEP, "grid": {"engine.type": []}}, "grid key 'engine.type' has an empty list"),
            ({**SWEEP, "grid": {}}, "'grid' must be a non-empty object"),
            ({k: v for k, v in SWEEP.items() if k != "grid"}, "missing 'grid'"),
            ({**SWEEP, "cases": []}, "'cases' must be a non-empty list"),
            ({**SWEEP, "cases": [{"name": "a", "set": {"engine.type": "x"}}]}, "is also in grid"),
            ({**SWEEP, "cases": [{"name": "a"}, {"name": "a"}]}, "used more than once"),
            ({**SWEEP, "cases": [{"name": "a/b"}]}, "must be letters"),
            ({**SWEEP, "cases": [{"name": "a", "sett": {}}]}, "must be an object with 'name' and 'set'"),
            ({**SWEEP, "grid": {"engine.type": "memory"}}, "must map to a list"),
            ({**SWEEP, "base": "configs/none.json"}, "base config 'configs/none.json' not found"),
            ({**SWEEP, "name": "other"}, "does not match the file name"),
            ({**SWEEP, "figures": ["throughput", "pie"]}, "unknown figure family pie"),
            ({**SWEEP, "set": {"engine.type": "x"}}, "both in 'set' and in 'grid'"),
            ({**SWEEP, "grid": {"bad key": [1]}}, "not a dotted config key"),
            ({**SWEEP, "grid": {"engine.type": ["a", "a"]}}, "more than once"),
            ({**SWEEP, "baselines": {"name": "x"}}, "'baselines' must be a list"),
            ({**SWEEP, "baselines": [{"name": "x", "args": ["run", "a.json"]}]}, "a baseline is an rpbench probe"),
            ({**SWEEP, "baselines": [{"name": "x", "args": []}]}, "baselines[0] must be"),
            ({**SWEEP, "baselines": [{"name": "x", "args": ["probe"]}, {"name": "x", "args": ["probe"]}]},
             "not a unique plain file name"),
        ]
        for doc, message in cases:
            with self.subTest(message=message):
                self.write_sweep(doc)
                rc, out, err = self.run_sweep()
                self.assertEqual(rc, 2)
                self.assertIn(message, err)
                self.assertIn("quick.json", err)
                self.assertEqual(self.calls(), [])
        (self.root / "configs" / "sweeps" / "quick.json").write_text("{\"base\": ")
        self.assertIn("not valid JSON", self.run_sweep()[2])
        self.assertIn("cannot read sweep file", self.run_sweep(sweep="absent")[2])


def run_sweep_cli(test, *extra):
    """The script as a process (its real entry point and exit status)."""
    proc = subprocess.run([sys.executable, str(helpers.SCRIPTS / "run_sweep.py"), "quick",
                           "--root", str(test.root), "--results", str(test.results), *extra],
                          capture_output=True, text=True, env={**os.environ, **test.env}, check=False)
    return proc.returncode, proc.stdout, proc.stderr


if __name__ == "__main__":
    unittest.main()
