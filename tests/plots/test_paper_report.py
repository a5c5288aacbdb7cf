"""plots/paper.py end to end on the synthetic fixture tree: the files of each figure (PNG at the
paper's sizes, PDF with its fonts embedded, caption), what the captions name, the report page's
figures, headline table and links, skip lines for missing results, and one-line errors with a
non-zero exit for bad input (never a traceback)."""
import contextlib
import html.parser
import io
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

from PIL import Image

import helpers
import paper_helpers as ph
import paper  # plots/paper.py

FIGURES = "1,6,9,10"  # one of each shape, to keep the test fast (every figure is made in test_paper_figures)


def run_cli(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = paper.main([str(a) for a in args])
    return rc, out.getvalue(), err.getvalue()


class TableParser(html.parser.HTMLParser):
    """Rows (lists of cell texts) of each table with an id, and every img src and a href."""

    def __init__(self):
        super().__init__()
        self.tables, self.images, self.links = {}, [], []
        self._table, self._row, self._cell = None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(a.get("id"), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "img":
            self.images.append(a["src"])
        elif tag == "a":
            self.links.append(a["href"])

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


class PaperCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = pathlib.Path(cls.tmp.name) / "paper"
        cls.rc, cls.stdout, cls.stderr = run_cli(ph.TREE, "--manifest", ph.MANIFEST, "--out", cls.out,
                                                 "--figures", FIGURES)
        cls.page = (cls.out / "index.html").read_text()
        cls.parsed = TableParser()
        cls.parsed.feed(cls.page)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_draws_and_says_so(self):
        self.assertEqual(self.rc, 0, self.stdout + self.stderr)
        self.assertEqual(self.stderr, "")
        self.assertIn("figure 1 (Snapshot duration vs dataset size): fig01_snapshot_duration.png", self.stdout)
        self.assertIn("paper: 4 of 4 figure(s) drawn", self.stdout)

    def test_png_pdf_and_caption_per_figure(self):
        for stem, width_in in (("fig01_snapshot_duration", 3.4), ("fig06_fork_pause", 7.0),
                               ("fig09_paged_kv", 7.0), ("fig10_transport_probe", 7.0)):
            with self.subTest(figure=stem):
                with Image.open(self.out / f"{stem}.png") as img:
                    self.assertEqual(img.size[0], round(width_in * 200))  # a column or two, at 200 dpi
                    text = dict(img.text)
                pdf = (self.out / f"{stem}.pdf").read_bytes()
                self.assertTrue(pdf.startswith(b"%PDF"))
                self.assertIn(b"/FontFile2", pdf)  # TrueType fonts embedded ...
                self.assertNotIn(b"/Subtype /Type3", pdf)  # ... and no Type 3 fonts
                caption = (self.out / f"{stem}.caption.txt").read_text()
                self.assertTrue(caption.startswith("Figure "))
                for word in ("transport: ", "THP: madvise", "machine: fixture (synthetic CPU", "build: Release"):
                    self.assertIn(word, caption)
                self.assertIn(caption.strip(), text["Description"])
                self.assertNotIn("RDMA", caption + text["Description"])  # no verbs results here

    def test_captions_state_repeats_and_transports(self):
        caption = (self.out / "fig01_snapshot_duration.caption.txt").read_text()
        self.assertIn("Median of N = 1-2 repeats per point, bars: min to max.", caption)
        self.assertIn("none (local) for rdb-fork, redis", caption)
        self.assertIn("shm (shared memory, no network) for rdma-pingpong/child-connect", caption)
        self.assertIn("tcp for rdma-pingpong/child-connect, rdma-pingpong/parent-posts", caption)
        self.assertIn("One probe run per transport (N = 1)", (self.out / "fig10_transport_probe.caption.txt").read_text())

    def test_report_page(self):
        self.assertEqual(sorted(self.parsed.images), ["fig01_snapshot_duration.png", "fig06_fork_pause.png",
                                                      "fig09_paged_kv.png", "fig10_transport_probe.png"])
        for href in [h for h in self.parsed.links if not h.startswith("#")] + self.parsed.images:
            self.assertTrue((self.out / href).resolve().is_file(), href)  # every link and image is there
        self.assertNotRegex(self.page, r"<script[^>]+src=|<link[^>]+href=|https?://")  # nothing external
        headline = self.parsed.tables["headline-table"]
        self.assertEqual(headline[0][:6], ["engine", "transport", "sweep", "dataset", "N", "fork pause (µs)"])
        rows = headline[1:]
        # redis-vs-rdb-fork: 2 engines x 2 sizes; mempool: 3 modes x 2 sizes; pingpong: 6 lines x 1 size;
        # the contest runs took no snapshot: no row
        self.assertEqual(len(rows), 4 + 6 + 6)
        self.assertEqual([r[0] for r in rows[:4]], ["rdb-fork", "rdb-fork", "redis", "redis"])
        self.assertEqual([r[4] for r in rows[:4]], ["2", "2", "2", "2"])
        pause = [r for r in rows if r[0].startswith("mempool-offload/pause")][0]
        self.assertEqual(pause[5], "–")  # no fork: unknown, not zero
        self.assertIn("fork-copy_1400000.r0", " ".join(r[-1] for r in rows))
        context = dict((r[0], r[1]) for r in self.parsed.tables["context-table"][1:])
        self.assertIn("synthetic-fixture", context["git_commit"])
        self.assertIn("fixture", context["host"])
        self.assertIn("./run_experiments.sh mempool --repeats 2", self.page)
        self.assertIn("/usr/bin/python3 plots/paper.py results --figures 6", self.page)


class SkipAndErrorTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = pathlib.Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def test_missing_results_are_skipped_with_the_sweep_that_produces_them(self):
        tree = ph.copy_tree(self.root / "results")
        shutil.rmtree(tree / "contest")
        rc, out, err = run_cli(tree, "--manifest", ph.MANIFEST, "--out", self.root / "p", "--figures", "9",
                               "--root", helpers.REPO)
        self.assertEqual(rc, 0, out + err)
        line = [x for x in out.splitlines() if x.startswith("figure 9")][0]
        self.assertEqual(line, "figure 9 (paged-kv throughput vs cache fraction, and the contest's phases): skipped: "
                               "no results; produced by sweep contest; sweep not-yet (not in configs/sweeps yet)")
        self.assertEqual(list((self.root / "p").glob("fig09*")), [])  # nothing drawn
        self.assertIn("skipped: no results", (self.root / "p" / "index.html").read_text())

    def test_mixed_contexts_are_refused_unless_allowed(self):
        tree = ph.copy_tree(self.root / "results")
        victim = tree / "redis-vs-rdb-fork" / "redis_1400000.r1.json"
        doc = json.loads(victim.read_text())
        doc["context"]["host"] = "bench-02"
        victim.write_text(json.dumps(doc))
        rc, out, err = run_cli(tree, "--manifest", ph.MANIFEST, "--out", self.root / "p", "--figures", "2")
        self.assertEqual(rc, 1)
        self.assertIn("figure 2 (Recovery time vs dataset size): refused: the line (redis) would mix results of "
                      "different machine (host: fixture | bench-02)", out)
        self.assertEqual(list((self.root / "p").glob("fig02*")), [])
        self.assertIn("headline table: row redis at 1400000 keys refused: its repeats mix contexts "
                      "(host: fixture | bench-02)", out)
        rc, out, err = run_cli(tree, "--manifest", ph.MANIFEST, "--out", self.root / "p", "--figures", "2",
                               "--allow-mixed-contexts")
        self.assertEqual(rc, 0, out + err)
        caption = (self.root / "p" / "fig02_recovery_time.caption.txt").read_text()
        self.assertIn("lines may mix contexts (drawn with --allow-mixed-contexts): host: fixture | bench-02", caption)
        self.assertIn("machine: fixture (", caption)
        self.assertIn(" | bench-02 (", caption)
        rc, out, _ = run_cli(tree, "--manifest", ph.MANIFEST, "--out", self.root / "p", "--figures", "2",
                             "--context", "host=fixture")
        self.assertEqual(rc, 0, out)  # or pick one machine
        self.assertIn("paper: 1 result(s) left out by --context", out)

    def test_a_bad_result_file_is_one_line_and_a_failure(self):
        tree = ph.copy_tree(self.root / "results")
        (tree / "mempool" / "fork-copy_1400000.r0.json").write_text('{"schema_version": 1, "kind": ')
        (tree / "mempool" / "broken.failed.json").write_text("{}")
        rc, out, err = run_cli(tree, "--manifest", ph.MANIFEST, "--out", self.root / "p", "--figures", "1")
        self.assertEqual(rc, 1)
        self.assertRegex(out, r"paper: .*fork-copy_1400000.r0.json: not valid JSON: line 1 column \d+")
        self.assertIn("paper: sweep mempool: 1 failed experiment(s) left out (broken.failed.json)", out)
        self.assertIn("figure 1 (Snapshot duration vs dataset size): fig01_snapshot_duration.png", out)
        self.assertNotIn("Traceback", out + err)

    def test_bad_input_exits_2_with_one_line(self):
        bad_manifest = self.root / "bad.json"
        bad_manifest.write_text('{"sweeps": [{"sweep": "x", "figures": [99]}]}')
        cases = [((self.root / "missing",), "no results folder"),
                 ((ph.TREE, "--manifest", self.root / "none.json"), "cannot read the paper manifest"),
                 ((ph.TREE, "--manifest", bad_manifest), "no figure 99"),
                 ((ph.TREE, "--figures", "1,x"), "--figures wants figure numbers"),
                 ((ph.TREE, "--figures", "12"), "no figure 12"),
                 ((ph.TREE, "--context", "colour=red"), "--context wants FIELD=VALUE")]
        for args, message in cases:
            with self.subTest(message=message):
                rc, out, err = run_cli(*args)
                self.assertEqual(rc, 2)
                self.assertIn(message, err)
                self.assertEqual(len(err.strip().splitlines()), 1)
        proc = subprocess.run([sys.executable, str(helpers.PLOTS / "paper.py"), str(self.root / "missing")],
                              capture_output=True, text=True, check=False)
        self.assertEqual(proc.returncode, 2)
        self.assertNotIn("Traceback", proc.stderr)
        self.assertTrue(re.match(r"paper: no results folder", proc.stderr))


if __name__ == "__main__":
    unittest.main()
