"""The report page in a real browser: Debian's headless Chromium opens results/paper/index.html
(made here from the synthetic fixture tree) from disk, the page's own check records how many
images loaded and how many rows each table has, and the test reads that from the DOM; a second
run takes a screenshot, kept as the test's artifact ($RPBENCH_TEST_ARTIFACTS, by default
build/test-artifacts/paper_report.png). A page with a missing image must be reported as such.

Without chromium the test is skipped with the reason; run as a script (as ctest does) it then
exits 77, which ctest reports as skipped (SKIP_RETURN_CODE), never as passed."""
import contextlib
import html.parser
import io
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

from PIL import Image

import helpers
import paper_helpers as ph
import paper  # plots/paper.py

SKIP_RETURN_CODE = 77
TIMEOUT_S = 120
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--hide-scrollbars", "--virtual-time-budget=15000"]


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def artifacts_dir():
    d = pathlib.Path(os.environ.get("RPBENCH_TEST_ARTIFACTS") or helpers.REPO / "build" / "test-artifacts")
    d.mkdir(parents=True, exist_ok=True)
    return d


def run_chromium(*args):
    """(exit status, stdout) of one headless run with a fresh profile; the whole process group
    it started is ended if it outlives the timeout."""
    with tempfile.TemporaryDirectory(prefix="rpbench-chromium-") as profile:
        proc = subprocess.Popen([chromium(), *FLAGS, f"--user-data-dir={profile}", *args], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise AssertionError(f"chromium did not finish within {TIMEOUT_S} s")
        return proc.returncode, out


class CheckParser(html.parser.HTMLParser):
    """The attributes of #render-check and the <img> sources of the dumped DOM."""

    def __init__(self):
        super().__init__()
        self.check, self.images = None, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id") == "render-check":
            self.check = a
        if tag == "img":
            self.images.append(a.get("src"))


def rendered(page):
    rc, dom = run_chromium("--dump-dom", page.as_uri())
    if rc != 0:
        raise AssertionError(f"chromium --dump-dom exited {rc}")
    parser = CheckParser()
    parser.feed(dom)
    if parser.check is None or "data-images" not in parser.check:
        raise AssertionError("the page's check did not run (no data-images on #render-check)")
    return parser


@unittest.skipUnless(chromium(), "chromium is not installed (Debian package chromium; scripts/bootstrap.sh installs it)")
class BrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = pathlib.Path(cls.tmp.name) / "paper"
        with contextlib.redirect_stdout(io.StringIO()):
            rc = paper.main([str(ph.TREE), "--manifest", str(ph.MANIFEST), "--out", str(cls.out), "--figures", "1,8,10"])
        assert rc == 0, rc
        cls.page = cls.out / "index.html"

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_every_image_loads_and_the_tables_have_their_rows(self):
        dom = rendered(self.page)
        check = dom.check
        self.assertEqual(len(dom.images), 3)
        self.assertEqual(check["data-images"], "3")
        self.assertEqual(check["data-images-loaded"], "3")
        self.assertEqual(check["data-broken"], "")
        rows = dict(item.split("=") for item in check["data-table-rows"].split())
        self.assertEqual(rows, {"headline-table": "16", "context-table": "12"})

    def test_screenshot_is_kept(self):
        shot = artifacts_dir() / "paper_report.png"
        shot.unlink(missing_ok=True)
        rc, _ = run_chromium(f"--screenshot={shot}", "--window-size=1280,2400", self.page.as_uri())
        self.assertEqual(rc, 0)
        with Image.open(shot) as img:
            self.assertEqual(img.size, (1280, 2400))
            self.assertGreater(len(img.convert("L").getcolors(1 << 16) or []), 20)  # not a blank page
        print(f"\nscreenshot: {shot}", file=sys.stderr)

    def test_a_missing_image_is_reported(self):
        broken = pathlib.Path(self.tmp.name) / "broken"
        shutil.copytree(self.out, broken)
        (broken / "fig10_transport_probe.png").unlink()
        check = rendered(broken / "index.html").check
        self.assertEqual((check["data-images"], check["data-images-loaded"]), ("3", "2"))
        self.assertEqual(check["data-broken"], "fig10_transport_probe.png")


def main():
    result = unittest.main(exit=False, verbosity=2).result
    if result.testsRun and len(result.skipped) == result.testsRun and not (result.failures or result.errors):
        print(f"SKIPPED: {result.skipped[0][1]}", file=sys.stderr)
        return SKIP_RETURN_CODE
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
