"""The paper's building blocks: repeats in file names, lines and points over repeats (median,
min-max, IQR), the context rule, dataset sizes, and the manifest (the fixture's and the repo's
configs/sweeps/paper.json)."""
import copy
import json
import pathlib
import tempfile
import unittest

import helpers
import paper_helpers as ph
from rpplot import contexts, loader
from rpplot.paper import dataset, inputs, manifest, registry, series


def result(path, engine="rdb-fork", keys=1000, rate=10000, host="fixture", duration_ms=100.0, **config):
    doc = {"schema_version": 1, "kind": "experiment",
           "context": {"host": host, "cpu_model": "c", "kernel": "k", "git_commit": "g", "build_type": "Release",
                       "compiler": "gcc", "thp_mode": "never", "engine": engine, "transport": "none"},
           "config": {"name": "x", "engine": {"type": engine}, "dataset": {"keys": keys, "key_size": 16,
                      "value_size": {"dist": "fixed", "size": 84}}, "measure": {"loop": "open", "rate": rate},
                      "workload": {"mix": {"read": 0.5, "update": 0.5}}},
           "phases": [{"name": "run", "type": "run", "snapshots": [{"ok": True, "duration_ms": duration_ms}]}]}
    for dotted, value in config.items():
        node = doc["config"]
        *parents, leaf = dotted.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return loader.Result(pathlib.Path(path), doc)


def duration(r):
    return r.doc["phases"][0]["snapshots"][0]["duration_ms"]


def keys_gb(r):
    return dataset.dataset_bytes(r.config) / 1e9


class RepeatNamesTest(unittest.TestCase):
    def test_point_and_repeat_from_the_file_name(self):
        r = result("/r/sweep/rdb-fork_1000.r12.json")
        self.assertEqual((r.run, r.point, r.repeat, r.sweep), ("rdb-fork_1000.r12", "rdb-fork_1000", 12, "sweep"))
        single = result("/r/sweep/0.5.json")
        self.assertEqual((single.point, single.repeat), ("0.5", None))


class LinesTest(unittest.TestCase):
    def test_repeats_make_one_point_median_and_range(self):
        rs = [result(f"/r/s/p_{k}.r{i}.json", keys=k, duration_ms=d)
              for k, ds in ((1000, (10, 30, 20)), (4000, (40, 41, 90))) for i, d in enumerate(ds)]
        [line] = series.build_lines(rs, ("dataset.keys",))
        self.assertEqual(line.label, "rdb-fork")
        aggs = line.aggregate(("dataset.keys",), keys_gb, duration)
        self.assertEqual([(a.median, a.lo, a.hi, a.n) for a in aggs], [(20, 10, 30, 3), (41, 40, 90, 3)])
        self.assertAlmostEqual(aggs[0].x, 1000 * 100 / 1e9)
        iqr = line.aggregate(("dataset.keys",), keys_gb, duration, spread="iqr")
        self.assertEqual([(a.lo, a.hi) for a in iqr], [(15, 25), (40.5, 65.5)])
        self.assertEqual(series.repeats_text(aggs), "median of N = 3 repeats per point, bars: min to max")
        self.assertEqual(series.repeats_text(iqr, "iqr"), "median of N = 3 repeats per point, bars: interquartile range")
        self.assertEqual(series.repeats_text([series.Agg(1, 1, 1, 1, 1, [])]),
                         "one run per point (N = 1), no error bars")

    def test_a_config_difference_splits_the_line_and_is_named(self):
        rs = [result("/r/s/a.json", rate=10000), result("/r/s/b.json", rate=40000),
              result("/r/s/c.json", engine="redis"), result("/r/t/d.json")]
        lines = series.build_lines(rs, ("dataset.keys",))
        self.assertEqual([ln.label for ln in lines],
                         ["rdb-fork, sweep s, rate=10,000", "rdb-fork, sweep s, rate=40,000", "rdb-fork, sweep t", "redis"])
        # a point field or an ignored field does not split
        rs = [result("/r/s/a.json", keys=1), result("/r/s/b.json", keys=2, engine__dir="/tmp/x")]
        self.assertEqual(len(series.build_lines(rs, ("dataset.keys",))), 1)

    def test_one_engine_over_two_transports_gets_bars_told_apart(self):
        rs = []
        for t in ("shm", "tcp"):
            r = result(f"/r/s/{t}.json", engine="paged-kv", transport__type=t)
            r.doc["context"]["transport"] = t
            rs.append(r)
        lines = series.build_lines(rs, ("dataset.keys",))
        self.assertEqual([ln.label for ln in lines], ["paged-kv over shm", "paged-kv over tcp"])
        bars = {(ln.style["color"], ln.style["hatch"]) for ln in lines}
        self.assertEqual(len(bars), 2, f"a bar of each must differ in colour or hatch: {bars}")

    def test_lists_of_objects_are_walked(self):
        flat = series.flatten({"phases": [{"type": "load"}, {"type": "run", "snapshot_at_s": [5]}]})
        self.assertEqual(flat, {"phases.0.type": '"load"', "phases.1.type": '"run"', "phases.1.snapshot_at_s": "[5]"})

    def test_mixed_contexts_in_a_line_are_refused(self):
        rs = [result("/r/s/p.r0.json"), result("/r/s/p.r1.json", host="other")]
        with self.assertRaises(contexts.MixedContextError) as cm:
            series.build_lines(rs, ("dataset.keys",))
        self.assertIn("different machine (host: fixture | other)", str(cm.exception))
        [line] = series.build_lines(rs, ("dataset.keys",), allow_mixed=True)
        self.assertEqual(contexts.describe(line.results), "host: fixture | other")
        # two lines of different machines are two lines, not a refusal
        rs = [result("/r/s/p.json"), result("/r/s/q.json", engine="redis", host="other")]
        self.assertEqual(len(series.build_lines(rs, ("dataset.keys",))), 2)


class ContextTest(unittest.TestCase):
    def test_key_fields_and_selectors(self):
        r = ph.fixture_inputs().all_results()[0]
        key = contexts.context_key(r)
        self.assertEqual((key.host, key.git_commit), ("fixture", "synthetic-fixture"))
        self.assertTrue(contexts.matches(r, {"host": "fixture"}))
        self.assertFalse(contexts.matches(r, {"host": "bench-01"}))


class DatasetTest(unittest.TestCase):
    def test_bytes_and_write_rate(self):
        cfg = {"dataset": {"keys": 1000, "key_size": 16,
                           "value_size": {"dist": "buckets", "buckets": [[80, 128, 0.7], [129, 256, 0.2], [257, 1024, 0.1]]}},
               "measure": {"loop": "open", "rate": 20000}, "workload": {"mix": {"read": 0.75, "update": 0.25}}}
        self.assertAlmostEqual(dataset.dataset_bytes(cfg), 1000 * (16 + 175.35))
        self.assertEqual(dataset.write_rate(cfg), 5000)
        self.assertIsNone(dataset.write_rate({**cfg, "measure": {"loop": "closed"}}))
        self.assertIsNone(dataset.dataset_bytes({"workload": {"preset": "contest"}}))
        self.assertEqual(dataset.mean_value_bytes({"dist": "uniform", "min": 80, "max": 128}), 104)


class ManifestTest(unittest.TestCase):
    def write(self, doc):
        path = pathlib.Path(self.tmp.name) / "paper.json"
        path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
        return path

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def test_the_repos_manifest_feeds_every_figure(self):
        man = manifest.load(helpers.REPO / "configs" / "sweeps" / "paper.json", registry.BY_NUMBER)
        for number in registry.BY_NUMBER:
            self.assertTrue(man.for_figure(number), f"figure {number} has no sweep or probe")
        self.assertTrue(man.for_table())
        sweeps = {s.name for s in man.sources if s.kind == "sweep"}
        self.assertTrue({"redis-vs-rdb-fork", "mempool", "pingpong", "contest"} <= sweeps)
        for s in man.sources:
            if s.kind == "probe":
                self.assertTrue(s.out.startswith("probe/"), s.out)

    def test_errors_are_one_line_naming_the_file(self):
        good = json.loads(ph.MANIFEST.read_text())
        bad_probe = copy.deepcopy(good)
        bad_probe["probes"][0]["args"] = ["probe", "fork", "--out", "x.json"]
        cases = [
            ({**good, "extra": 1}, "unknown key(s) extra"),
            ({**good, "repeats": 0}, "'repeats' must be an integer >= 1"),
            ({**good, "sweeps": [{"sweep": "a", "figures": [11]}]}, "no figure 11"),
            ({**good, "sweeps": [{"sweep": "a b"}]}, "'sweep' must name it"),
            ({**good, "sweeps": [{"sweep": "a"}, {"sweep": "a"}]}, "sweep 'a' is listed twice"),
            ({**good, "sweeps": [{"sweep": "a", "figures": "1"}]}, "'figures' must be a list"),
            (bad_probe, "leave --out out of 'args'"),
            ({**good, "probes": [{"probe": "p", "args": ["probe"], "out": "../x.json"}]}, "inside the results root"),
            ({**good, "sweeps": [{"sweep": "a", "where": [1]}]}, "'where' must be an object"),
            ({**good, "sweeps": [{"sweep": "a", "where": {"bad key": 1}}]}, "not a dotted config key"),
            ({**good, "sweeps": [{"sweep": "a", "where": {"engine.x": [1]}}]}, "must be a string, number"),
            ("{", "not valid JSON"),
        ]
        for doc, message in cases:
            with self.subTest(message=message):
                with self.assertRaises(manifest.ManifestError) as cm:
                    manifest.load(self.write(doc), registry.BY_NUMBER)
                self.assertIn(message, str(cm.exception))
                self.assertIn("paper.json", str(cm.exception))
                self.assertNotIn("\n", str(cm.exception))

    def test_where_keeps_the_results_with_those_config_values(self):
        doc = json.loads(ph.MANIFEST.read_text())
        for entry in doc["sweeps"]:
            if entry["sweep"] == "pingpong":
                entry["where"] = {"engine.fork_mode": "parent-posts", "transport.type": "shm"}
        man = manifest.load(self.write(doc), registry.BY_NUMBER)
        got = inputs.load(man, ph.TREE)
        kept = got.by_source[("sweep", "pingpong")]
        self.assertEqual(sorted(r.run for r in kept), ["parent-posts_shm_0", "parent-posts_shm_25"])
        self.assertEqual(got.unselected, {"pingpong": 4})
        everything = ph.fixture_inputs()
        self.assertEqual(len(everything.by_source[("sweep", "pingpong")]), 6)

    def test_commands(self):
        man = ph.load_manifest()
        sweep = [s for s in man.sources if s.name == "mempool"][0]
        self.assertEqual(sweep.command(), "./run_experiments.sh mempool --repeats 2")
        probe = [s for s in man.sources if s.name == "transport-shm-25g"][0]
        self.assertEqual(probe.command(), "build/rpbench probe transport --type shm --link-gbps 25 "
                                          "--out results/probe/transport-shm-link25.json")


if __name__ == "__main__":
    unittest.main()
