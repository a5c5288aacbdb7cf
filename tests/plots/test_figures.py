"""Every figure family draws non-empty PNG + PDF for the fixtures, labels each figure with the
transport and THP mode it ran on (never calling shm or tcp RDMA), and draws nothing for results
it has no data in."""
import contextlib
import io
import json
import pathlib
import shutil
import tempfile
import unittest

from PIL import Image

import helpers
import make_figures
from rpplot import families, loader, style

EXPECTED_STEMS = {
    "throughput": {"throughput_none_thp-never", "throughput_shm_thp-never"},
    "latency": {"latency_none_thp-never", "latency_shm_thp-never"},
    "snapshot": {"snapshot_exp_rdb_fork", "snapshot_exp_pingpong_shm"},
    "timeline": {"timeline_exp_rdb_fork_run", "timeline_exp_pingpong_shm_run", "timeline_exp_memory_run"},
    "probe_fork": {"probe_fork_probe_fork"},
    "fault_cdf": {"fault_cdf_probe_faults"},
    "transport": {"transport_probe_transport_tcp"},
    "compare": set(),  # the fixtures have one engine with snapshots per transport
    "pingpong": set(),  # the pingpong fixture's snapshot has no stream figures (test_pingpong.py draws them)
    "mempool": set(),  # no mempool-offload fixture (test_mempool.py draws them)
    "paged": set(),  # no paged-kv contest fixture (test_paged.py draws them)
}


def png_text(path):
    with Image.open(path) as img:
        return dict(img.text)


class FiguresTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rpplot-test-")
        cls.results = loader.load_results(helpers.FIXTURES)
        with contextlib.redirect_stdout(io.StringIO()):
            cls.drawn = families.draw_families(cls.results, cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_every_family_writes_png_and_pdf(self):
        self.assertEqual(set(self.drawn), set(families.FAMILIES))
        for family, paths in self.drawn.items():
            with self.subTest(family=family):
                stems = {p.stem for p in paths}
                self.assertEqual(stems, EXPECTED_STEMS[family])
                self.assertEqual(sorted(p.suffix for p in paths), sorted([".pdf", ".png"] * len(stems)))
                for p in paths:
                    self.assertGreater(p.stat().st_size, 1000, p)
                    head = p.read_bytes()[:8]
                    self.assertEqual(head[:4], b"%PDF" if p.suffix == ".pdf" else b"\x89PNG", p)
                for p in paths:
                    if p.suffix == ".png":
                        with Image.open(p) as img:
                            w, h = img.size
                            self.assertGreater(w, 300)
                            self.assertGreater(h, 200)
                            # not a blank canvas
                            self.assertGreater(len(img.convert("L").getcolors(1 << 16) or []), 10)

    def test_figures_name_transport_and_thp(self):
        for family, paths in self.drawn.items():
            for p in (x for x in paths if x.suffix == ".png"):
                with self.subTest(figure=p.name):
                    text = png_text(p)
                    self.assertIn("transport: ", text["Title"])
                    self.assertIn("THP: ", text["Title"])
                    self.assertNotIn("RDMA", text["Title"] + text["Description"])  # no verbs here
        shm = [p for paths in self.drawn.values() for p in paths
               if p.suffix == ".png" and ("shm" in p.name or "pingpong" in p.name)]
        self.assertEqual(len(shm), 4)
        for p in shm:
            self.assertIn("transport: shm", png_text(p)["Title"])
            self.assertIn("THP: never", png_text(p)["Title"])
        probe = pathlib.Path(self.tmp) / "probe_fork_probe_fork.png"
        self.assertIn("THP: madvise", png_text(probe)["Title"])

    def test_transport_labels(self):
        self.assertIn("RDMA", style.transport_label("verbs"))
        for t in ("shm", "tcp", "none", "rdma-emulated"):
            self.assertNotIn("RDMA", style.transport_label(t).upper(), t)

    def test_latency_splits_snapshot_windows_only_when_measured(self):
        desc = png_text(pathlib.Path(self.tmp) / "latency_none_thp-never.png")["Description"]
        self.assertIn("outside snapshots", desc)
        self.assertIn("during a snapshot", desc)
        memory_only = [r for r in self.results if r.run == "exp_memory"]
        with tempfile.TemporaryDirectory() as out, contextlib.redirect_stdout(io.StringIO()):
            paths = families.FAMILIES["latency"].draw(memory_only, out)
            desc = png_text([p for p in paths if p.suffix == ".png"][0])["Description"]
        self.assertIn("all ops", desc)
        self.assertNotIn("during a snapshot", desc)

    def test_nothing_to_draw_draws_nothing(self):
        probes = [r for r in self.results if r.kind != "experiment"]
        experiments = [r for r in self.results if r.kind == "experiment"]
        no_snapshots = [r for r in self.results if r.run == "exp_memory"]
        cases = [("throughput", probes), ("latency", probes), ("snapshot", probes),
                 ("snapshot", no_snapshots), ("timeline", probes), ("probe_fork", experiments),
                 ("fault_cdf", experiments), ("transport", experiments)]
        for family, results in cases:
            with self.subTest(family=family), tempfile.TemporaryDirectory() as out:
                said = io.StringIO()
                with contextlib.redirect_stdout(said):
                    paths = families.FAMILIES[family].draw(results, out)
                self.assertEqual(paths, [])
                self.assertEqual(list(pathlib.Path(out).iterdir()), [])
                self.assertIn("nothing to draw", said.getvalue())

    def test_cow_vs_write_rate_when_the_sweep_varies_rate(self):
        with tempfile.TemporaryDirectory() as tmp:
            sweep = pathlib.Path(tmp) / "ratesweep"
            for rate, cow in ((10000, 600000), (20000, 1300000), (40000, 2500000)):
                doc = helpers.load_fixture("exp_rdb_fork")
                doc["config"]["measure"]["rate"] = rate
                for s in doc["phases"][1]["snapshots"]:
                    s["cow_bytes"] = cow
                helpers.write_json(sweep / f"rdb-fork_{rate}.json", doc)
            results = loader.load_results(sweep)
            with contextlib.redirect_stdout(io.StringIO()):
                paths = families.FAMILIES["snapshot"].draw(results, pathlib.Path(tmp) / "fig")
            stems = {p.stem for p in paths}
            self.assertIn("snapshot_cow_vs_rate_ratesweep_none_thp-never", stems)
            self.assertEqual(len(stems), 4)  # three per-run figures and the rate figure
            png = pathlib.Path(tmp) / "fig" / "snapshot_cow_vs_rate_ratesweep_none_thp-never.png"
            self.assertIn("write rate", png_text(png)["Description"])
            # same rate everywhere: no rate figure
            with contextlib.redirect_stdout(io.StringIO()):
                paths = families.FAMILIES["snapshot"].draw(results[:1], pathlib.Path(tmp) / "fig1")
            self.assertNotIn("cow_vs_rate", " ".join(p.stem for p in paths))

    def test_compare_puts_engines_side_by_side_per_dataset_size(self):
        with tempfile.TemporaryDirectory() as tmp:
            sweep = pathlib.Path(tmp) / "vs"
            for engine in ("rdb-fork", "redis"):
                for keys in (1000, 4000):
                    doc = helpers.load_fixture("exp_rdb_fork")
                    doc["context"]["engine"] = engine
                    doc["config"]["engine"]["type"] = engine
                    doc["config"]["dataset"]["keys"] = keys
                    helpers.write_json(sweep / f"{engine}_{keys}.json", doc)
            results = loader.load_results(sweep)
            with contextlib.redirect_stdout(io.StringIO()):
                paths = families.FAMILIES["compare"].draw(results, pathlib.Path(tmp) / "fig")
            self.assertEqual({p.stem for p in paths}, {"compare_none_thp-never"})
            text = png_text(pathlib.Path(tmp) / "fig" / "compare_none_thp-never.png")["Description"]
            for word in ("fork", "COW", "p99 during snapshots", "recovery", "1,000 keys", "4,000 keys", "redis"):
                self.assertIn(word, text)
            # one engine only: nothing
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                self.assertEqual(families.FAMILIES["compare"].draw(results[:2], pathlib.Path(tmp) / "f1"), [])
            self.assertIn("nothing to draw", out.getvalue())

    def test_snapshot_panels_follow_what_was_measured(self):
        import validate_results
        doc = helpers.load_fixture("exp_rdb_fork")
        for snap in doc["phases"][1]["snapshots"]:
            snap["cow_bytes"] = None  # e.g. an engine that pauses instead of forking
        doc["phases"][1]["snapshots"][1].update(ok=False, error="child exited with status 1")
        self.assertIsNone(validate_results.validation_error(doc))
        with tempfile.TemporaryDirectory() as tmp:
            path = helpers.write_json(pathlib.Path(tmp) / "nocow.json", doc)
            with contextlib.redirect_stdout(io.StringIO()):
                paths = families.FAMILIES["snapshot"].draw(loader.load_results(path), tmp)
            text = png_text([p for p in paths if p.suffix == ".png"][0])
        self.assertIn("fork (µs)", text["Description"])
        self.assertIn("snapshot duration (ms)", text["Description"])
        self.assertNotIn("COW", text["Description"])
        self.assertIn("1 failed (hatched)", text["Title"])

    def test_transport_probe_figure(self):
        text = png_text(pathlib.Path(self.tmp) / "transport_probe_transport_tcp.png")
        self.assertIn("transport: tcp", text["Title"])
        self.assertIn("THP: madvise", text["Title"])
        self.assertIn("target 0.70: met", text["Title"])  # the fixture's write ratio is about 0.85
        for word in ("bandwidth (GB/s = 10^9 B/s, log)", "baseline: raw socket stream", "write, 2 ch, qd 8",
                     "read, 1 ch, qd 1", "write p99", "read max", "latency (queue depth 1, one channel)"):
            self.assertIn(word, text["Description"])
        self.assertNotIn("RDMA", text["Title"] + text["Description"])

    def test_transport_probe_names_rdma_only_for_verbs(self):
        doc = helpers.load_fixture("probe_transport_tcp")
        with tempfile.TemporaryDirectory() as tmp:
            for kind in ("shm", "verbs"):
                d = json.loads(json.dumps(doc))
                d["context"]["transport"] = kind
                d["probe"]["transport"]["type"] = kind
                if kind == "verbs":
                    d["probe"]["baseline"] = None
                    d["probe"]["baseline_reason"] = "verbs has no local baseline"
                    for p in d["probe"]["bandwidth"]:
                        p["baseline_gb_per_s"] = p["ratio_to_baseline"] = None
                    for s in d["probe"]["summary"]:
                        s.update(median_ratio_min_1mib=None, ratio_at_largest_size=None, target_ratio=None,
                                 target_met=None)
                        for b in s["best_per_size"]:
                            b["ratio_to_baseline"] = None
                helpers.write_json(pathlib.Path(tmp) / f"transport-{kind}.json", d)
            import validate_results
            for kind in ("shm", "verbs"):
                ok, msg = validate_results.is_valid_result(pathlib.Path(tmp) / f"transport-{kind}.json")
                self.assertTrue(ok, msg)
            with contextlib.redirect_stdout(io.StringIO()):
                paths = families.FAMILIES["transport"].draw(loader.load_results(tmp), pathlib.Path(tmp) / "fig")
            self.assertEqual({p.stem for p in paths}, {"transport_transport-shm", "transport_transport-verbs"})
            shm = png_text(pathlib.Path(tmp) / "fig" / "transport_transport-shm.png")
            verbs = png_text(pathlib.Path(tmp) / "fig" / "transport_transport-verbs.png")
        self.assertNotIn("RDMA", shm["Title"] + shm["Description"])
        self.assertIn("transport: shm", shm["Title"])
        self.assertIn("RDMA", verbs["Title"])
        self.assertIn("no baseline: verbs has no local baseline", verbs["Description"])
        self.assertNotIn("target", verbs["Title"])

    def test_write_fraction(self):
        from rpplot import snapshot
        self.assertAlmostEqual(snapshot.write_fraction({"workload": {"mix": {"read": 0.75, "update": 0.25}}}), 0.25)
        self.assertAlmostEqual(snapshot.write_fraction({"workload": {"mix": {"read": 1, "insert": 1, "delete": 2}}}), 0.75)
        self.assertIsNone(snapshot.write_fraction({}))


class MakeFiguresTest(unittest.TestCase):
    def test_cli_draws_families_with_data(self):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(helpers.fixture_path("probe_fork"), tmp)
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                rc = make_figures.main([tmp])
            self.assertEqual(rc, 0)
            figs = sorted(p.name for p in (pathlib.Path(tmp) / "figures").iterdir())
            self.assertEqual(figs, ["probe_fork_probe_fork.pdf", "probe_fork_probe_fork.png"])
            self.assertIn("throughput: nothing to draw", out.getvalue())

    def test_cli_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                self.assertEqual(make_figures.main([tmp, "--families", "throughput,bogus"]), 2)
                self.assertEqual(make_figures.main([tmp]), 1)  # no results
                self.assertEqual(make_figures.main([f"{tmp}/missing"]), 2)
            self.assertIn("bogus", err.getvalue())
            self.assertIn("no rpbench result files", err.getvalue())


if __name__ == "__main__":
    unittest.main()
