"""The `mempool` family: mempool-offload's modes next to rdb-fork (a local file) and rdma-pingpong
against the dataset's size, one figure per transport variant, and the targets table whose ratios
come from the same results (rdb-fork over mempool for snapshot and recovery; MB/s over the
transport probe's write bandwidth); nothing without a mempool-offload result."""
import contextlib
import copy
import io
import json
import pathlib
import tempfile
import unittest

from PIL import Image

import helpers
from rpplot import families, loader

RUN = helpers.FIXTURES / "exp_pingpong_shm.json"
PROBE = helpers.FIXTURES / "probe_transport_tcp.json"


def run(engine, keys_bytes, snapshot_ms, recovery_ms, mode=None, transport="shm", link=None, mbps=None):
    d = copy.deepcopy(json.loads(RUN.read_text()))
    d["config"]["engine"] = {"type": engine, **({"snapshot_mode": mode} if mode else {})}
    d["context"]["engine"] = engine
    if transport is None:
        d["config"]["transport"] = {"type": "none"}
        d["context"]["transport"] = "none"
    else:
        d["config"]["transport"] = {"type": transport, "channels": 1, **({"link": {"bandwidth_gbps": link}} if link else {})}
        d["context"]["transport"] = transport
    d["context"]["memory_estimate"] = {"dataset_bytes": keys_bytes}
    for p in d["phases"]:
        for s in p.get("snapshots") or []:
            s["engine"] = engine
            s["fork_us"] = 2000.0 if mode != "pause" else snapshot_ms * 1e3
            s["child_duration_ms"] = snapshot_ms - (2.0 if mode != "pause" else 0.0)
            s["extra"] = {"snapshot_mode": mode, "mb_per_s": mbps, "pause_us": s["fork_us"] + 50} if mode else {
                "mb_per_s": mbps}
        if p.get("recovery"):
            p["recovery"]["duration_ms"] = recovery_ms
            p["recovery"]["ok"] = True
    return d


def probe(transport, gbps, link=None, stream=None):
    d = copy.deepcopy(json.loads(PROBE.read_text()))
    d["probe"]["transport"]["type"] = transport
    d["probe"]["transport"]["link_model"] = {"bandwidth_gbps": link} if link else None
    d["context"]["transport"] = transport
    d["probe"]["bandwidth"] = [{"size_bytes": 4 << 20, "op": "write", "channels": 1, "queue_depth": q, "gb_per_s": g}
                               for q, g in ((2, gbps * 0.8), (8, gbps))]
    if stream:
        d["probe"]["bandwidth"].append({"size_bytes": 1 << 30, "op": "write", "channels": 1, "queue_depth": 2,
                                        "gb_per_s": stream})
    return d


class MempoolFamilyTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = pathlib.Path(self._tmp.name)
        docs = {}
        for gb in (0.25, 1.0, 4.0):
            b = int(gb * 1e9)
            docs[f"rdb_{gb}"] = run("rdb-fork", b, 4000 * gb, 3500 * gb, transport=None)
            docs[f"pp_{gb}"] = run("rdma-pingpong", b, 3800 * gb, 3400 * gb, mbps=400)
            docs[f"copy_{gb}"] = run("mempool-offload", b, 200 * gb, 400 * gb, mode="fork-copy", mbps=1500)
            docs[f"pause_{gb}"] = run("mempool-offload", b, 150 * gb, 400 * gb, mode="pause", mbps=2500)
            docs[f"link_{gb}"] = run("mempool-offload", b, 600 * gb, 700 * gb, mode="fork-copy", link=25, mbps=2000)
        docs["probe_shm"] = probe("shm", 3.0, stream=2.0)
        docs["probe_link"] = probe("shm", 3.1, link=25)
        for name, d in docs.items():
            (self.dir / f"{name}.json").write_text(json.dumps(d))
        self.out = self.dir / "fig"

    def tearDown(self):
        self._tmp.cleanup()

    def draw(self, files):
        with contextlib.redirect_stdout(io.StringIO()) as out:
            paths = families.FAMILIES["mempool"].draw(loader.load_results(files), self.out)
        return paths, out.getvalue()

    def test_one_figure_per_variant_and_the_targets_from_the_same_results(self):
        paths, out = self.draw(sorted(self.dir.glob("*.json")))
        stems = sorted({p.stem for p in paths if p.suffix == ".png"})
        self.assertEqual(len(stems), 2, stems)  # plain shm, and shm with the 25 Gbit/s link model
        for p in paths:
            self.assertGreater(p.stat().st_size, 0)
            if p.suffix == ".png":
                with Image.open(p) as img:
                    text = img.text["Description"] + img.text["Title"]
                self.assertIn("rdb-fork (local file)", text)
                self.assertIn("mempool-offload/fork-copy", text)
                self.assertIn("target 0.7", text)
                self.assertNotIn("RDMA", text)
        targets = (self.out / "mempool_targets.txt").read_text()
        self.assertEqual(targets.strip(), out.strip())
        # rdb-fork 16000 ms over fork-copy 800 ms at 4 GB: 20x; recovery 14000 / 1600 = 8.8x.
        self.assertIn("mempool-offload/fork-copy at 4.00 GB: snapshot 16000/800 ms = 20.0x (target 10x: met); "
                      "recovery 14000/1600 ms = 8.8x (target 5x: met); MB/s 0.50 of the probe's write bandwidth "
                      "(target 0.7: NOT met)", targets)
        # pause: 2500 MB/s over 3.0 GB/s
        self.assertIn("mempool-offload/pause at 0.25 GB: snapshot 1000/38 ms = 26.7x", targets)
        self.assertIn("MB/s 0.83 of the probe's write bandwidth (target 0.7: met); 1.25 of its streaming write "
                      "bandwidth (the probe's largest size)", targets)
        # The link-model variant is judged against its own probe, not plain shm's.
        link = [line for line in targets.splitlines() if "4.00 GB" in line and "0.65 of" in line]
        self.assertEqual(len(link), 1, targets)
        self.assertNotIn("streaming", link[0])  # that probe has no large size: nothing made up
        self.assertIn("25 Gbit/s link model", targets)
        self.assertNotIn("RDMA", targets)

    def test_without_a_probe_the_fraction_is_not_made_up(self):
        files = [f for f in sorted(self.dir.glob("*.json")) if not f.stem.startswith("probe")]
        _, out = self.draw(files)
        self.assertIn("MB/s fraction n/a (no baseline probe of this transport)", out)
        self.assertNotIn("of the probe's write bandwidth", out)

    def test_nothing_without_mempool_results(self):
        paths, out = self.draw([helpers.FIXTURES / "exp_rdb_fork.json", RUN])
        self.assertEqual(paths, [])
        self.assertIn("nothing to draw", out)


if __name__ == "__main__":
    unittest.main()
