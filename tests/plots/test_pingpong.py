"""The `pingpong` family: the overlap ratio against engine.buffer_bytes per transport variant
(one figure per variant: shm with a link model is not plain shm), and each run's snapshot phases;
nothing for results without rdma-pingpong stream figures."""
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

FIXTURE = helpers.FIXTURES / "exp_pingpong_shm.json"


def extra(overlap, mode):
    # The fields engines/rdma_pingpong/snapshot_stream.cc writes (values of the order a real run shows).
    return {"transport": "shm", "fork_mode": mode, "buffers": 2, "serialize_ms": 80.0, "transfer_ms": 14.0,
            "wait_ms": 0.1, "stream_ms": 80.0 * overlap, "overlap_ratio": overlap, "total_ms": 95.0,
            "phases_ms": {"connected": 0.3 if mode == "child-connect" else None, "buffers_ready": 1.5,
                          "first_byte": 1.6, "stream_end": 90.0, "data_complete": 91.0, "committed": 91.1}}


def variant(doc, buffer_bytes, mode, overlap, link=None):
    d = copy.deepcopy(doc)
    d["config"]["engine"].update({"buffer_bytes": buffer_bytes, "fork_mode": mode})
    if link:
        d["config"]["transport"]["link"] = {"bandwidth_gbps": link}
    for p in d["phases"]:
        for s in p.get("snapshots") or []:
            s["extra"] = extra(overlap, mode)
    return d


class PingpongFamilyTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = pathlib.Path(self._tmp.name)
        doc = json.loads(FIXTURE.read_text())
        runs = {}
        for size, ov in ((262144, 1.3), (4194304, 1.1), (20971520, 1.05)):
            runs[f"cc_{size}"] = variant(doc, size, "child-connect", ov)
            runs[f"pp_{size}"] = variant(doc, size, "parent-posts", ov - 0.04)
            runs[f"link_{size}"] = variant(doc, size, "parent-posts", ov, link=25)
        for name, d in runs.items():
            (self.dir / f"{name}.json").write_text(json.dumps(d))
        self.out = self.dir / "fig"

    def tearDown(self):
        self._tmp.cleanup()

    def draw(self, files):
        with contextlib.redirect_stdout(io.StringIO()) as out:
            paths = families.FAMILIES["pingpong"].draw(loader.load_results(files), self.out)
        return paths, out.getvalue()

    def test_overlap_per_variant_and_phases_per_run(self):
        paths, _ = self.draw(sorted(self.dir.glob("*.json")))
        stems = {p.stem for p in paths}
        overlap = sorted(s for s in stems if s.startswith("pingpong_overlap_"))
        self.assertEqual(len(overlap), 2, stems)  # plain shm, and shm with the 25 Gbit/s link model
        self.assertEqual(len([s for s in stems if s.startswith("pingpong_phases_")]), 9)
        for p in paths:
            self.assertGreater(p.stat().st_size, 0)
            if p.suffix == ".png" and p.stem.startswith("pingpong_overlap_"):
                with Image.open(p) as img:
                    text = img.text["Description"] + img.text["Title"]
                self.assertIn("target 1.15", text)
                self.assertIn("transport: shm", text)
                self.assertNotIn("RDMA", text)
                self.assertIn("parent-posts, 1 channel", text)

    def test_nothing_without_stream_figures(self):
        paths, out = self.draw([helpers.FIXTURES / "exp_rdb_fork.json", FIXTURE])
        self.assertEqual(paths, [])
        self.assertIn("nothing to draw", out)


if __name__ == "__main__":
    unittest.main()
