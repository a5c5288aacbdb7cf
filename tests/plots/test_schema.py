"""schema/result.schema.json and scripts/validate_results.py: the fixtures pass, broken
variants fail with an error located by JSON path."""
import io
import contextlib
import tempfile
import unittest

import helpers
import validate_results as vr


class SchemaTest(unittest.TestCase):
    def assert_invalid(self, doc, path_fragment, msg_fragment=None):
        err = vr.validation_error(doc)
        self.assertIsNotNone(err, "broken document was accepted")
        self.assertIn(path_fragment, err)
        if msg_fragment:
            self.assertIn(msg_fragment, err)

    def test_fixtures_are_valid(self):
        for name in helpers.EXPERIMENTS + helpers.PROBES:
            with self.subTest(name=name):
                ok, msg = vr.is_valid_result(helpers.fixture_path(name))
                self.assertTrue(ok, msg)

    def test_missing_required_key(self):
        doc = helpers.load_fixture("exp_rdb_fork")
        del doc["phases"][1]["ops_per_s"]
        self.assert_invalid(doc, "$.phases[1]", "ops_per_s")
        doc = helpers.load_fixture("exp_rdb_fork")
        del doc["context"]["thp_mode"]
        self.assert_invalid(doc, "$.context", "thp_mode")
        doc = helpers.load_fixture("exp_memory")
        del doc["context"]["transport"]  # experiments must name their transport
        self.assert_invalid(doc, "$.context", "transport")
        doc = helpers.load_fixture("exp_rdb_fork")
        del doc["phases"][1]["snapshots"][0]["cow_bytes"]
        self.assert_invalid(doc, "$.phases[1].snapshots[0]", "cow_bytes")

    def test_run_phase_needs_all_latency_classes(self):
        doc = helpers.load_fixture("exp_rdb_fork")
        del doc["phases"][1]["latency"]["during_snapshot"]
        self.assert_invalid(doc, "$.phases[1].latency", "during_snapshot")

    def test_open_loop_needs_service_time(self):
        doc = helpers.load_fixture("exp_rdb_fork")
        del doc["phases"][1]["service_time"]
        self.assert_invalid(doc, "$.phases[1]", "service_time")
        # a closed-loop phase does not need it
        self.assertIsNone(vr.validation_error(helpers.load_fixture("exp_memory")))

    def test_wrong_type(self):
        doc = helpers.load_fixture("exp_rdb_fork")
        doc["phases"][1]["ops"] = "80000"
        self.assert_invalid(doc, "$.phases[1].ops", "integer")
        doc = helpers.load_fixture("exp_rdb_fork")
        doc["phases"][1]["latency"]["all"]["buckets"][0] = [1.5, 3]
        self.assert_invalid(doc, "$.phases[1].latency.all.buckets[0]")
        doc = helpers.load_fixture("probe_fork")
        doc["probe"]["fork"][0]["fork_us"] = 12.0
        self.assert_invalid(doc, "$.probe.fork[0].fork_us", "array")

    def test_bad_enum(self):
        doc = helpers.load_fixture("exp_rdb_fork")
        doc["phases"][1]["type"] = "warmup"
        self.assert_invalid(doc, "$.phases[1].type")
        doc = helpers.load_fixture("exp_rdb_fork")
        doc["phases"][1]["events"][0]["event"] = "snapshot_begin"
        self.assert_invalid(doc, "$.phases[1].events[0].event")
        doc = helpers.load_fixture("exp_rdb_fork")
        doc["kind"] = "benchmark"
        self.assert_invalid(doc, "$.kind")
        doc = helpers.load_fixture("probe_faults")
        doc["probe"]["faults"][0]["case"] = "cow_2m"
        self.assert_invalid(doc, "$.probe.faults[0].case")

    def test_null_percentile_iff_empty(self):
        doc = helpers.load_fixture("exp_rdb_fork")
        doc["phases"][1]["latency"]["all"]["p99_ns"] = None  # count > 0
        self.assert_invalid(doc, "$.phases[1].latency.all.p99_ns")
        doc = helpers.load_fixture("exp_memory")
        empty = doc["phases"][1]["latency"]["during_snapshot"]
        self.assertEqual(empty["count"], 0)
        empty["p50_ns"] = 1000  # a figure for no ops
        self.assert_invalid(doc, "$.phases[1].latency.during_snapshot.p50_ns")

    def test_snake_case_and_schema_version(self):
        doc = helpers.load_fixture("exp_rdb_fork")
        doc["phases"][1]["opsPerSec"] = 1.0
        self.assert_invalid(doc, "$.phases[1]", "opsPerSec")
        doc = helpers.load_fixture("exp_rdb_fork")
        doc["schema_version"] = 2
        self.assert_invalid(doc, "$.schema_version")

    def test_open_where_later_parts_add(self):
        doc = helpers.load_fixture("exp_rdb_fork")
        doc["context"]["memnode_host"] = "10.0.0.2"
        doc["engine"]["anything"] = {"nested": [1, 2]}
        doc["phases"][1]["snapshots"][0]["extra"]["chunks"] = 7
        doc["phases"][1]["cpu_user_s"] = 1.25
        self.assertIsNone(vr.validation_error(doc))
        doc = helpers.load_fixture("probe_transport_tcp")
        doc["context"]["memnode_host"] = "10.0.0.2"  # the context stays open
        self.assertIsNone(vr.validation_error(doc))

    def test_probe_transport_is_strict(self):
        doc = helpers.load_fixture("probe_transport_tcp")
        doc["probe"]["anything"] = 1
        self.assert_invalid(doc, "$.probe", "anything")
        doc = helpers.load_fixture("probe_transport_tcp")
        del doc["probe"]["bandwidth"][3]["ratio_to_baseline"]
        self.assert_invalid(doc, "$.probe.bandwidth[3]", "ratio_to_baseline")
        doc = helpers.load_fixture("probe_transport_tcp")
        doc["probe"]["bandwidth"][0]["op"] = "copy"
        self.assert_invalid(doc, "$.probe.bandwidth[0].op")
        doc = helpers.load_fixture("probe_transport_tcp")
        doc["probe"]["bandwidth"][0]["gb_per_s"] = 0
        self.assert_invalid(doc, "$.probe.bandwidth[0].gb_per_s")
        doc = helpers.load_fixture("probe_transport_tcp")
        doc["probe"]["latency"][0]["queue_depth"] = 8
        self.assert_invalid(doc, "$.probe.latency[0].queue_depth")
        doc = helpers.load_fixture("probe_transport_tcp")
        doc["probe"]["latency"][0]["latency"]["p50_ns"] = None  # null iff empty, as every histogram
        self.assert_invalid(doc, "$.probe.latency[0].latency")
        doc = helpers.load_fixture("probe_transport_tcp")
        del doc["context"]["transport"]
        self.assert_invalid(doc, "$.context", "transport")
        doc = helpers.load_fixture("probe_transport_tcp")
        doc["probe"]["baseline"]["kind"] = "dd"
        self.assert_invalid(doc, "$.probe.baseline")
        doc = helpers.load_fixture("probe_transport_tcp")
        doc["probe"]["baseline"] = None
        doc["probe"]["baseline_reason"] = "not measured (--no-baseline)"
        self.assertIsNone(vr.validation_error(doc))

    def test_histogram_relations(self):
        doc = helpers.load_fixture("exp_rdb_fork")
        doc["phases"][1]["latency"]["all"]["count"] += 1
        self.assert_invalid(doc, "$.phases[1].latency.all", "add up")
        doc = helpers.load_fixture("exp_rdb_fork")
        b = doc["phases"][1]["latency"]["normal"]["buckets"]
        b[0], b[1] = b[1], b[0]
        self.assert_invalid(doc, "$.phases[1].latency.normal", "ascend")
        doc = helpers.load_fixture("exp_rdb_fork")
        h = doc["phases"][1]["latency"]["all"]
        h["p90_ns"] = h["p999_ns"] + 1
        self.assert_invalid(doc, "$.phases[1].latency.all", "p90_ns")

    def test_cli_reports_each_bad_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            good = helpers.write_json(f"{tmp}/good.json", helpers.load_fixture("probe_fork"))
            bad = helpers.load_fixture("probe_fork")
            bad["probe"]["fork"][0]["pages"] = "2m"
            bad = helpers.write_json(f"{tmp}/bad.json", bad)
            broken = f"{tmp}/broken.json"
            with open(broken, "w", encoding="utf-8") as f:
                f.write('{"schema_version": 1, "kind": ')
            nan = f"{tmp}/nan.json"
            with open(nan, "w", encoding="utf-8") as f:
                f.write('{"schema_version": NaN}')
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
                rc = vr.main([str(good), str(bad), broken, nan, f"{tmp}/missing.json"])
            self.assertEqual(rc, 1)
            lines = buf.getvalue().splitlines()
            self.assertEqual(len(lines), 4, lines)
            self.assertTrue(lines[0].startswith(f"{bad}: $.probe.fork[0].pages"), lines[0])
            self.assertIn("not valid JSON", lines[1])
            self.assertIn("NaN", lines[2])
            self.assertIn("cannot read", lines[3])
            with contextlib.redirect_stdout(io.StringIO()):
                self.assertEqual(vr.main([str(good)]), 0)


if __name__ == "__main__":
    unittest.main()
