"""Two clients of one experiment at once against one real redis-server (attach mode), each with its
own workload.client I/2, then `rpbench merge`: the clients loaded disjoint halves of the keys, the
merged result validates, its counts are the sums, and its histograms are the union of the
clients' raw buckets (every percentile exact). Results of different experiments, a client given
twice or missing, and snapshot phases are refused with the reason."""
import json
import math
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RPBENCH = os.environ.get("RPBENCH", os.path.join(ROOT, "build", "rpbench"))
VALIDATE = os.path.join(ROOT, "scripts", "validate_results.py")
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(buckets, count, lo, hi, q):
    """The harness's nearest-rank percentile over raw buckets (measure/histogram.cc)."""
    r = q / 100.0 * count
    rank = min(max(1, math.ceil(r - r * 1e-12)), count)  # the epsilon of measure::nearest_rank
    if rank == 1:
        return lo
    if rank == count:
        return hi
    seen = 0
    for upper, n in buckets:
        seen += n
        if seen >= rank:
            return min(upper, hi)
    return hi


def load(path):
    with open(path) as f:
        return json.load(f)


def union(hists):
    out = {}
    for h in hists:
        for upper, n in h["buckets"]:
            out[upper] = out.get(upper, 0) + n
    return sorted([u, n] for u, n in out.items())


@unittest.skipUnless(os.path.exists(REDIS), "redis-server is not installed")
class Merge(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.port = free_port()
        cls.server = subprocess.Popen([REDIS, "--port", str(cls.port), "--bind", "127.0.0.1", "--save", "",
                                       "--appendonly", "no", "--dir", cls.dir],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", cls.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        cls.config = os.path.join(cls.dir, "two.json")
        with open(cls.config, "w") as f:
            json.dump({"name": "two-clients", "seed": 11,
                       "engine": {"type": "redis", "managed": False, "address": f"127.0.0.1:{cls.port}"},
                       "dataset": {"keys": 20000, "value_size": {"dist": "fixed", "size": 100}},
                       "workload": {"mix": {"read": 0.5, "update": 0.5}},
                       "measure": {"timeline_ms": 50},
                       "phases": [{"type": "load"}, {"type": "run", "duration_s": 1.0}]}, f)
        procs = [subprocess.Popen([RPBENCH, "run", cls.config, "--quiet", "--set", f"workload.client={i}/2",
                                   "--out", os.path.join(cls.dir, f"c{i}.json")],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
        cls.runs = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
        cls.keys = subprocess.run(["redis-cli", "-p", str(cls.port), "dbsize"], capture_output=True,
                                  text=True).stdout.strip()

    @classmethod
    def tearDownClass(cls):
        cls.server.kill()
        cls.server.wait()
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def merge(self, *names, out="m.json"):
        return subprocess.run([RPBENCH, "merge"] + [self.path(n) for n in names] + ["--out", self.path(out)],
                              capture_output=True, text=True, timeout=60)

    def test_merged_counts_are_sums_and_histograms_the_union_of_the_buckets(self):
        for out, err, rc in self.runs:
            self.assertEqual(rc, 0, err)
        self.assertEqual(self.keys, "20000", "the two clients loaded disjoint halves of the 20000 keys")
        p = self.merge("c1.json", "c0.json")
        self.assertEqual(p.returncode, 0, p.stderr)
        v = subprocess.run(["/usr/bin/python3", VALIDATE, self.path("m.json")], capture_output=True, text=True)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        docs = [load(self.path(f"c{i}.json")) for i in range(2)]
        m = load(self.path("m.json"))
        self.assertEqual([c["index"] for c in m["merged"]["clients"]], [0, 1])
        self.assertEqual(m["context"]["client"], {"count": 2, "merged": True})
        self.assertEqual(m["phases"][0]["ops"], 20000)
        for i, phase in enumerate(m["phases"]):
            parts = [d["phases"][i] for d in docs]
            self.assertEqual(phase["ops"], sum(p["ops"] for p in parts))
            self.assertAlmostEqual(phase["ops_per_s"], sum(p["ops_per_s"] for p in parts))
            self.assertEqual(phase["threads"], 2)
            hists = [p["latency"]["all"] for p in parts]
            h = phase["latency"]["all"]
            self.assertEqual(h["buckets"], union(hists))
            self.assertEqual(h["count"], sum(x["count"] for x in hists))
            self.assertEqual(h["min_ns"], min(x["min_ns"] for x in hists))
            self.assertEqual(h["max_ns"], max(x["max_ns"] for x in hists))
            for q, key in ((50, "p50_ns"), (99, "p99_ns"), (99.9, "p999_ns")):
                self.assertEqual(h[key], percentile(h["buckets"], h["count"], h["min_ns"], h["max_ns"], q), key)
            for op in phase["op_latency"]:
                self.assertEqual(phase["op_latency"][op]["count"],
                                 sum(p["op_latency"].get(op, {"count": 0})["count"] for p in parts))
            t = phase["timeline"]
            self.assertIn("merged", t)
            self.assertEqual(sum(iv["ops"] for iv in t["intervals"]),
                             sum(sum(iv["ops"] for iv in p["timeline"]["intervals"]) for p in parts))

    def test_what_is_not_one_experiment_is_refused(self):
        for out, err, rc in self.runs:
            self.assertEqual(rc, 0, err)
        p = self.merge("c0.json", "c0.json")
        self.assertEqual(p.returncode, 2)
        self.assertIn("client 0 given twice", p.stderr)
        p = self.merge("c0.json")
        self.assertEqual(p.returncode, 2)
        self.assertIn("at least two clients", p.stderr)
        other = load(self.path("c1.json"))
        other["config"]["seed"] = 12
        with open(self.path("other.json"), "w") as f:
            json.dump(other, f)
        p = self.merge("c0.json", "other.json")
        self.assertEqual(p.returncode, 2)
        self.assertIn("not the same experiment", p.stderr)
        three = load(self.path("c1.json"))
        three["context"]["client"] = {"index": 1, "count": 3}
        with open(self.path("three.json"), "w") as f:
            json.dump(three, f)
        p = self.merge("c0.json", "three.json")
        self.assertEqual(p.returncode, 2)
        self.assertIn("client of 3", p.stderr)
        snap = load(self.path("c1.json"))
        snap["phases"][1]["snapshots"] = [{"index": 0}]
        with open(self.path("snap.json"), "w") as f:
            json.dump(snap, f)
        p = self.merge("c0.json", "snap.json")
        self.assertEqual(p.returncode, 2)
        self.assertIn("took snapshots", p.stderr)
        with open(self.path("junk.json"), "w") as f:
            f.write("{not json")
        p = self.merge("c0.json", "junk.json")
        self.assertEqual(p.returncode, 2)
        self.assertIn("not JSON", p.stderr)
        bad = load(self.path("c1.json"))
        bad["phases"][1]["latency"]["all"]["buckets"] = [[3, 1]]
        with open(self.path("bad.json"), "w") as f:
            json.dump(bad, f)
        p = self.merge("c0.json", "bad.json")
        self.assertEqual(p.returncode, 2)
        self.assertIn("malformed", p.stderr)

    def test_a_bad_client_flag_is_a_usage_error(self):
        for value in ("2/2", "1", "a/b", "0/0", "-1/2", "1/99999"):
            p = subprocess.run([RPBENCH, "validate", self.config, "--set", f"workload.client={value}"],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 2, value)
            self.assertIn("error: workload.client: expected", p.stderr)


if __name__ == "__main__":
    unittest.main()
