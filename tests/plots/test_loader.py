"""plots/rpplot/loader.py: result loading, tidy rows, bucket quantiles."""
import contextlib
import io
import math
import random
import tempfile
import unittest

import helpers
from rpplot import loader


class QuantileTest(unittest.TestCase):
    def test_hand_computed(self):
        buckets = [[10, 1], [20, 2], [40, 3], [80, 4]]  # 10 samples
        self.assertEqual(loader.quantile_from_buckets(buckets, 0.1), 10)   # rank 1
        self.assertEqual(loader.quantile_from_buckets(buckets, 0.11), 20)  # rank 2
        self.assertEqual(loader.quantile_from_buckets(buckets, 0.3), 20)   # rank 3
        self.assertEqual(loader.quantile_from_buckets(buckets, 0.31), 40)  # rank 4
        self.assertEqual(loader.quantile_from_buckets(buckets, 0.5), 40)   # rank 5
        self.assertEqual(loader.quantile_from_buckets(buckets, 0.61), 80)  # rank 7
        self.assertEqual(loader.quantile_from_buckets(buckets, 1.0), 80)
        self.assertEqual(loader.quantile_from_buckets(buckets, 0.0), 10)

    def test_empty_buckets_and_errors(self):
        self.assertIsNone(loader.quantile_from_buckets([], 0.5))
        self.assertIsNone(loader.quantile_from_buckets([[10, 0], [20, 0]], 0.99))
        self.assertEqual(loader.quantile_from_buckets([[10, 0], [20, 5], [30, 0]], 0.99), 20)
        with self.assertRaises(ValueError):
            loader.quantile_from_buckets([[10, 1]], 1.5)

    def test_bound_against_exact_quantiles(self):
        # Log-linear buckets with 16 steps per octave: the bucket answer is never below the exact
        # order statistic and at most one bucket width (6.25%) above it.
        rng = random.Random(5)
        samples = sorted(int(rng.lognormvariate(8, 1.0)) + 1 for _ in range(5000))

        def upper(v):
            e = v.bit_length() - 1
            if e < 4:
                return v
            step = (1 << e) // 16
            return (1 << e) + step * math.ceil((v - (1 << e)) / step)

        counts = {}
        for v in samples:
            counts[upper(v)] = counts.get(upper(v), 0) + 1
        buckets = [[u, counts[u]] for u in sorted(counts)]
        for q in (0.01, 0.5, 0.9, 0.99, 0.999, 1.0):
            exact = samples[max(1, math.ceil(q * len(samples))) - 1]
            got = loader.quantile_from_buckets(buckets, q)
            self.assertGreaterEqual(got, exact, q)
            self.assertLessEqual(got, exact * 1.0625 + 1, q)

    def test_fixture_percentiles_recompute(self):
        # The fixture's percentiles are the bucket answers clamped to max.
        doc = helpers.load_fixture("exp_rdb_fork")
        h = doc["phases"][1]["latency"]["during_snapshot"]
        for q, key in ((0.5, "p50_ns"), (0.9, "p90_ns"), (0.99, "p99_ns"), (0.999, "p999_ns")):
            self.assertEqual(min(loader.quantile_from_buckets(h["buckets"], q), h["max_ns"]), h[key])

    def test_cdf(self):
        xs, ys = loader.cdf_from_buckets([[10, 1], [20, 0], [40, 3]])
        self.assertEqual(xs, [10, 40])
        self.assertEqual(ys, [0.25, 1.0])
        self.assertEqual(loader.cdf_from_buckets([]), ([], []))


class LoaderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.results = loader.load_results(helpers.FIXTURES)
        cls.rows = loader.tidy_rows(cls.results)

    def test_loads_every_fixture_with_context(self):
        by_run = {r.run: r for r in self.results}
        self.assertEqual(set(by_run), set(helpers.EXPERIMENTS + helpers.PROBES))
        pp = by_run["exp_pingpong_shm"]
        self.assertEqual((pp.kind, pp.engine, pp.transport, pp.thp_mode, pp.allocator, pp.sweep),
                         ("experiment", "rdma-pingpong", "shm", "never", "jemalloc", "fixtures"))
        probe = by_run["probe_fork"]
        self.assertEqual((probe.kind, probe.transport, probe.thp_mode), ("probe-fork", "none", "madvise"))

    def test_rows_have_the_columns(self):
        self.assertTrue(self.rows)
        for row in self.rows:
            self.assertEqual(tuple(row), loader.ROW_COLUMNS)
        self.assertEqual({r["kind"] for r in self.rows}, {"experiment"})  # probes not flattened

    def test_specific_values(self):
        doc = helpers.load_fixture("exp_rdb_fork")
        run = doc["phases"][1]

        def one(**kw):
            vals = loader.values(self.rows, run="exp_rdb_fork", **kw)
            self.assertEqual(len(vals), 1, kw)
            return vals[0]

        self.assertEqual(one(phase="run", metric="ops_per_s"), run["ops_per_s"])
        self.assertEqual(one(phase="run", metric="ops_per_s"), 20000.0)
        self.assertEqual(one(phase="load", metric="ops"), 10000)
        self.assertEqual(one(phase="run", metric="latency.all.p99_ns"), run["latency"]["all"]["p99_ns"])
        self.assertEqual(one(phase="run", metric="latency.during_snapshot.p99_ns"),
                         run["latency"]["during_snapshot"]["p99_ns"])
        self.assertEqual(one(phase="run", metric="service_time.all.count"), 80000)
        self.assertEqual(one(phase="run", metric="pacing.target_ops_per_s"), 20000.0)
        self.assertEqual(loader.values(self.rows, run="exp_rdb_fork", metric="snapshot.fork_us"),
                         [2140.5, 2088.1])
        self.assertEqual(loader.values(self.rows, run="exp_rdb_fork", metric="snapshot.cow_bytes"),
                         [1392640, 1249280])
        self.assertEqual([r["snapshot"] for r in loader.select(self.rows, run="exp_rdb_fork",
                                                                metric="snapshot.fork_us")], [0, 1])
        self.assertEqual(one(phase="recover", metric="recovery.duration_ms"), 38.2)
        self.assertEqual(one(phase=None, metric="recovery.duration_ms"), 38.2)
        self.assertEqual(one(phase="verify", metric="verify.ok"), True)
        self.assertEqual(one(phase=None, metric="engine.keys"), 10000)
        row = loader.select(self.rows, run="exp_pingpong_shm", metric="ops_per_s", phase="run")[0]
        self.assertEqual((row["engine"], row["transport"], row["thp_mode"], row["allocator"], row["phase_type"]),
                         ("rdma-pingpong", "shm", "never", "jemalloc", "run"))

    def test_empty_classes_are_null(self):
        vals = loader.select(self.rows, run="exp_memory", metric="latency.during_snapshot.p99_ns")
        self.assertEqual([r["value"] for r in vals], [None])
        self.assertEqual(loader.values(self.rows, run="exp_memory", metric="latency.during_snapshot.count"), [0])
        self.assertEqual(loader.select(self.rows, run="exp_memory", metric="snapshot.fork_us"), [])

    def test_histogram_helper(self):
        r = next(x for x in self.results if x.run == "exp_rdb_fork")
        h = loader.histogram(r, "run", "latency.during_snapshot")
        self.assertEqual(h["count"], 18000)
        self.assertIsNone(loader.histogram(r, "run", "latency.nope"))
        self.assertIsNone(loader.histogram(r, "nope", "latency.all"))

    def test_skips_non_results_and_rejects_missing(self):
        with tempfile.TemporaryDirectory() as tmp:
            helpers.write_json(f"{tmp}/a.json", helpers.load_fixture("exp_memory"))
            helpers.write_json(f"{tmp}/other.json", {"hello": 1})
            with open(f"{tmp}/broken.json", "w", encoding="utf-8") as f:
                f.write("{")
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                results = loader.load_results(tmp)
            self.assertEqual([r.run for r in results], ["a"])
            self.assertIn("other.json", err.getvalue())
            self.assertIn("broken.json", err.getvalue())
            with self.assertRaises(FileNotFoundError):
                loader.load_results(f"{tmp}/missing")

    def test_config_value(self):
        cfg = helpers.load_fixture("exp_rdb_fork")["config"]
        self.assertEqual(loader.config_value(cfg, "measure.rate"), 20000)
        self.assertIsNone(loader.config_value(cfg, "measure.nope"))
        self.assertIsNone(loader.config_value(cfg, "measure.rate.x"))


if __name__ == "__main__":
    unittest.main()
