"""scripts/run_paper.py (./run_experiments.sh paper) against a fake rpbench: the sweeps whose
file exists run with the manifest's repeats, those without a file are skipped with one line,
probes run once and then resume, and the figures are drawn from what is there."""
import contextlib
import io
import json
import os
import pathlib
import tempfile
import textwrap
import unittest

import helpers
import paper_helpers as ph
import run_paper

FAKE_RPBENCH = textwrap.dedent("""\
    #!/usr/bin/python3
    # Fake rpbench: records argv; `run` writes an experiment fixture, `probe` a probe fixture.
    import json, os, sys
    args = sys.argv[1:]
    with open(os.environ["FAKE_LOG"], "a") as f:
        f.write(json.dumps(args) + "\\n")
    if os.environ.get("FAKE_FAIL") and os.environ["FAKE_FAIL"] in args:
        print("error: told to fail", file=sys.stderr)
        sys.exit(1)
    out = args[args.index("--out") + 1]
    fixture = os.environ["FAKE_EXPERIMENT"] if args[0] == "run" else os.environ["FAKE_PROBE_" + args[1].upper()]
    with open(fixture) as f:
        doc = json.load(f)
    with open(out, "w") as f:
        json.dump(doc, f)
    """)


class RunPaperTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.root = pathlib.Path(self._tmp.name)
        sweeps = self.root / "configs" / "sweeps"
        sweeps.mkdir(parents=True)
        helpers.write_json(self.root / "configs" / "base.json", {"name": "base"})
        helpers.write_json(sweeps / "mempool.json", {"base": "configs/base.json",
                                                     "grid": {"dataset.keys": [1400000, 5600000]}})
        self.manifest = helpers.write_json(sweeps / "paper.json", {
            "name": "paper", "repeats": 2,
            "sweeps": [{"sweep": "mempool", "figures": [1], "table": True},
                       {"sweep": "pingpong", "figures": [1, 8]}],
            "probes": [{"probe": "fork", "args": ["probe", "fork", "--sizes", "64M"], "out": "probe/fork.json",
                        "figures": [6]}]})
        self.fake = self.root / "fake_rpbench"
        self.fake.write_text(FAKE_RPBENCH)
        self.fake.chmod(0o755)
        self.log = self.root / "argv.log"
        self.results = self.root / "results"
        env = {"FAKE_LOG": str(self.log),
               "FAKE_EXPERIMENT": str(ph.TREE / "mempool" / "fork-copy_1400000.r0.json"),
               "FAKE_PROBE_FORK": str(ph.TREE / "probe" / "fork.json")}
        self._saved = {k: os.environ.get(k) for k in list(env) + ["FAKE_FAIL"]}
        os.environ.update(env)

    def tearDown(self):
        for k, v in self._saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        self._tmp.cleanup()

    def run_paper(self, *extra):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = run_paper.main(["--root", str(self.root), "--rpbench", str(self.fake), "--results", str(self.results),
                                 *extra])
        return rc, out.getvalue(), err.getvalue()

    def calls(self):
        return [json.loads(x) for x in self.log.read_text().splitlines()] if self.log.exists() else []

    def test_runs_what_exists_skips_what_does_not_then_draws(self):
        rc, out, err = self.run_paper()
        self.assertEqual(rc, 0, out + err)
        self.assertIn("paper: sweep pingpong skipped: configs/sweeps/pingpong.json does not exist yet "
                      "(it feeds figures 1, 8)", out)
        files = sorted(p.name for p in (self.results / "mempool").glob("*.json"))
        self.assertEqual(files, ["1400000.r0.json", "1400000.r1.json", "5600000.r0.json", "5600000.r1.json"])
        probe = [c for c in self.calls() if c[0] == "probe"]
        self.assertEqual(probe, [["probe", "fork", "--sizes", "64M", "--out", str(self.results / "probe" / "fork.json")]])
        self.assertIn("figure 1 (Snapshot duration vs dataset size): fig01_snapshot_duration.png", out)
        self.assertIn("figure 8 (Snapshot throughput as a fraction of the transport's bandwidth): skipped: no results; "
                      "produced by sweep pingpong (not in configs/sweeps yet)", out)
        self.assertTrue((self.results / "paper" / "index.html").is_file())
        # again: everything resumes, nothing runs
        self.log.unlink()
        rc, out, _ = self.run_paper("--no-draw")
        self.assertEqual((rc, self.calls()), (0, []))
        self.assertIn("paper: probe fork skipped (valid result present", out)
        self.assertEqual(out.count("skipped (valid result present)"), 4)  # the four runs of mempool

    def test_repeats_from_the_command_line(self):
        rc, out, _ = self.run_paper("--repeats", "3", "--no-draw")
        self.assertEqual(rc, 0, out)
        self.assertEqual(len(list((self.results / "mempool").glob("*.r2.json"))), 2)
        self.assertIn("paper: sweep mempool (3 repeats per point)", out)

    def test_a_failing_probe_fails_the_run_but_the_figures_are_drawn(self):
        os.environ["FAKE_FAIL"] = "fork"
        rc, out, _ = self.run_paper()
        self.assertEqual(rc, 1)
        self.assertIn("paper: probe fork FAILED: exit status 1", out)
        self.assertIn("error: told to fail", out)
        self.assertIn("paper: failed: probe fork", out)
        self.assertIn("figure 1 (Snapshot duration vs dataset size): fig01", out)

    def test_bad_manifest_and_missing_rpbench(self):
        self.manifest.write_text('{"sweeps": [{"sweep": "mempool", "repeats": 0}]}')
        rc, _, err = self.run_paper()
        self.assertEqual(rc, 2)
        self.assertIn("run_paper: ", err)
        self.assertIn("'repeats' must be an integer >= 1", err)
        self.manifest.write_text('{"probes": [{"probe": "fork", "args": ["probe", "fork"], "out": "probe/f.json"}]}')
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = run_paper.main(["--root", str(self.root), "--rpbench", str(self.root / "nope"),
                                 "--results", str(self.results)])
        self.assertEqual(rc, 2)
        self.assertIn("rpbench not found", err.getvalue())


if __name__ == "__main__":
    unittest.main()
