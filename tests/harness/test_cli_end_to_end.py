"""End to end through the rpbench binary: real runs whose results validate against
schema/result.schema.json, sample -> replay round trip, a failing experiment, SIGTERM."""
import csv
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RPBENCH = os.environ.get("RPBENCH", os.path.join(ROOT, "build", "rpbench"))
QUICK = os.path.join(ROOT, "configs", "quick.json")
VALIDATE = os.path.join(ROOT, "scripts", "validate_results.py")


def rp(args, timeout=120):
    return subprocess.run([RPBENCH] + args, capture_output=True, text=True, timeout=timeout)


class EndToEnd(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def assertValid(self, *paths):
        p = subprocess.run(["/usr/bin/python3", VALIDATE] + list(paths), capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def run_ok(self, sets, name):
        out = os.path.join(self.dir, name + ".json")
        args = ["run", QUICK, "--out", out, "--quiet", "--set", "dataset.keys=5000", "--set", "phases.1.duration_s=0.5"]
        for s in sets:
            args += ["--set", s]
        p = rp(args)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out) as f:
            return out, json.load(f)

    def test_engines_and_loops_produce_valid_results(self):
        paths = []
        for name, sets in [
            ("memory", ["engine.type=memory"]),
            ("null-open", ["engine.type=null", "measure.loop=open", "measure.rate=20000", "measure.arrival=poisson"]),
            ("null-threads", ["engine.type=null", "workload.threads=2", "workload.preset=ycsb-d"]),
            ("memory-warmup", ["engine.type=memory", "measure.memory_warmup=true",
                               "measure.memory_warmup_bytes=16777216", "workload.mix={\"read\":0.5,\"delete\":0.5}"]),
        ]:
            path, doc = self.run_ok(sets, name)
            paths.append(path)
            run = doc["phases"][1]
            self.assertEqual(doc["context"]["engine"], sets[0].split("=")[1])
            self.assertEqual(doc["context"]["transport"], "none")
            self.assertGreater(run["ops"], 0)
            self.assertEqual(run["latency"]["all"]["count"], run["ops"])
            self.assertEqual(sum(c for _, c in run["latency"]["all"]["buckets"]), run["ops"])
            self.assertEqual(doc["config"]["engine"]["type"], doc["context"]["engine"])
            self.assertEqual(doc["phases"][0]["ops"], 5000)
        self.assertValid(*paths)
        _, open_doc = self.run_ok(["engine.type=null", "measure.loop=open", "measure.rate=20000"], "open2")
        pacing = open_doc["phases"][1]["pacing"]
        self.assertEqual(pacing["loop"], "open")
        self.assertEqual(pacing["target_ops_per_s"], 20000)
        self.assertIn("service_time", open_doc["phases"][1])

    def test_a_compact_phase_reclaims_what_deletes_left_and_keeps_the_content(self):
        cfg = {"name": "compact", "engine": {"type": "paged-kv", "page_bytes": 16384, "cache_fraction": 0.25,
                                             "shards": 4, "rebuild": False},
               "transport": {"type": "shm"},
               "dataset": {"keys": 20000},
               "phases": [{"type": "load"},
                          {"type": "run", "ops": 15000, "mix": {"delete": 1.0}, "keys": {"dist": "uniform"}},
                          {"type": "compact"}, {"type": "snapshot"}, {"type": "recover"}, {"type": "verify"}]}
        path = os.path.join(self.dir, "compact.json")
        out = os.path.join(self.dir, "compact-result.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        p = rp(["run", path, "--out", out])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("compaction ok", p.stdout + p.stderr)
        self.assertValid(out)
        with open(out) as f:
            doc = json.load(f)
        c = doc["phases"][2]["compaction"]
        self.assertTrue(c["ok"])
        self.assertGreater(c["extra"]["pages_rebuilt"], 0)
        self.assertLess(c["extra"]["pages_after"], c["extra"]["pages_before"])
        self.assertTrue(doc["phases"][5]["verify"]["ok"])
        bad = dict(cfg, engine={"type": "memory"}, transport={"type": "none"})
        with open(path, "w") as f:
            json.dump(bad, f)
        p = rp(["validate", path])
        self.assertEqual(p.returncode, 2)
        self.assertIn("engine memory cannot compact", p.stderr)

    def test_sample_and_replay(self):
        trace = os.path.join(self.dir, "ops.trace")
        p = rp(["sample", QUICK, "--ops", "2000", "--out", trace, "--set", "dataset.keys=5000"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("distinct", p.stdout.lower())
        out = os.path.join(self.dir, "replay.json")
        p = rp(["run", QUICK, "--out", out, "--quiet", "--set", "dataset.keys=5000",
                "--set", "phases.1.duration_s=60", "--set", "workload.trace=" + trace])
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out) as f:
            doc = json.load(f)
        self.assertEqual(doc["phases"][1]["ops"], 2000)
        self.assertValid(out)
        csv_path = os.path.join(self.dir, "ops.csv")
        p = rp(["sample", QUICK, "--ops", "100", "--out", csv_path, "--format", "csv"])
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(csv_path) as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0], ["op", "key_id", "value_size"])
        self.assertEqual(len(rows), 101)

    def test_corrupt_trace_fails_clearly(self):
        trace = os.path.join(self.dir, "bad.trace")
        with open(trace, "wb") as f:
            f.write(b"not a trace at all")
        out = os.path.join(self.dir, "r.json")
        # A trace run would refuse is bad input, refused before anything runs (validate too).
        for cmd in (["run", QUICK, "--out", out, "--quiet"], ["validate", QUICK]):
            p = rp(cmd + ["--set", "dataset.keys=1000", "--set", "workload.trace=" + trace])
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("workload.trace", p.stderr)
            self.assertIn(trace, p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertFalse(os.path.exists(out))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "r.failed.json")))

    def test_corrupt_record_in_a_sealed_trace_fails_the_run_not_the_process(self):
        # A record that does not decode although both checksums hold (the writer was buggy, or
        # someone resealed it): the replay stops with the record's offset, exit 1, no crash.
        import struct
        import zlib
        trace = os.path.join(self.dir, "ops.trace")
        p = rp(["sample", QUICK, "--ops", "200", "--out", trace, "--set", "dataset.keys=1000"])
        self.assertEqual(p.returncode, 0, p.stderr)
        data = bytearray(open(trace, "rb").read())
        spec_len = struct.unpack_from("<I", data, 56)[0]
        records = 72 + spec_len
        # Make record 0's op type invalid, then reseal both checksums.
        data[records] = 9
        struct.pack_into("<I", data, 60, zlib.crc32(bytes(data[records:])) & 0xffffffff)
        struct.pack_into("<I", data, 64, 0)
        struct.pack_into("<I", data, 64, zlib.crc32(bytes(data[:records])) & 0xffffffff)
        open(trace, "wb").write(bytes(data))
        out = os.path.join(self.dir, "r.json")
        p = rp(["run", QUICK, "--out", out, "--quiet", "--set", "dataset.keys=1000",
                "--set", "workload.trace=" + trace, "--set", "measure.loop=closed"])
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("corrupt record 0", p.stderr)
        self.assertIn("op type 9", p.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "r.failed.json")))

    def test_sigterm_stops_cleanly_without_a_result(self):
        out = os.path.join(self.dir, "r.json")
        proc = subprocess.Popen([RPBENCH, "run", QUICK, "--out", out, "--quiet", "--set", "dataset.keys=1000",
                                 "--set", "phases.1.duration_s=600"], stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        t0 = time.time()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        self.assertLess(time.time() - t0, 10)
        self.assertEqual(proc.returncode, 128 + signal.SIGTERM, err)
        self.assertIn("interrupted", err)
        self.assertFalse(os.path.exists(out))

    def test_progress_lines_when_stderr_is_not_a_terminal(self):
        out = os.path.join(self.dir, "p.json")
        p = rp(["run", QUICK, "--out", out, "--set", "dataset.keys=1000", "--set", "engine.type=null",
                "--set", "phases.1.duration_s=5.6", "--set", "measure.progress=plain"])
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = [l for l in p.stderr.splitlines() if l.startswith("[run]")]
        self.assertEqual(len(lines), 1, p.stderr)  # one plain line every 5 s, no terminal codes
        self.assertIn("ops/s", lines[0])
        self.assertIn("/ 5.6 s", lines[0])
        self.assertNotIn("\033", p.stderr)

    def test_validate_prints_the_resolved_config(self):
        p = rp(["validate", QUICK, "--set", "measure.rate=1234"])
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["measure"]["rate"], 1234)
        self.assertIn("timeline_ms", doc["measure"])

    def test_list(self):
        p = rp(["list", "--fields"])
        self.assertEqual(p.returncode, 0)
        for word in ["memory", "null", "zipfian", "scrambled-zipfian", "buckets", "workload.mix.read",
                     "shm ", "tcp ", "verbs ", "RDMA WRITE/READ"]:
            self.assertIn(word, p.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
