"""Bad input to the rpbench command line: every config of the corpus (tests/harness/bad_configs,
with the message each must produce in expected.tsv), and configs mutated at random from the
shipped ones, must give exit status 2 and exactly one line on stderr naming the field, never a
crash or a hang."""
import copy
import json
import os
import random
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RPBENCH = os.environ.get("RPBENCH", os.path.join(ROOT, "build", "rpbench"))
CORPUS = os.path.join(HERE, "bad_configs")


def run(args, timeout=60):
    p = subprocess.run([RPBENCH] + args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def corpus():
    with open(os.path.join(CORPUS, "expected.tsv")) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            yield parts[0], parts[1], parts[2:]


class CorpusTest(unittest.TestCase):
    def test_corpus_is_large_enough(self):
        self.assertGreaterEqual(len(list(corpus())), 25)

    def check(self, cmd, name, expected, extra):
        with tempfile.TemporaryDirectory() as tmp:
            args = [cmd, os.path.join(CORPUS, name)] + extra
            if cmd == "run":
                args += ["--out", os.path.join(tmp, "r.json")]
            code, _, err = run(args)
            lines = [l for l in err.splitlines() if l.strip()]
            self.assertEqual(code, 2, f"{cmd} {name}: exit {code}, stderr {err!r}")
            self.assertEqual(len(lines), 1, f"{cmd} {name}: expected one line, got {lines!r}")
            self.assertIn(expected, lines[0], f"{cmd} {name}")
            self.assertEqual(os.listdir(tmp), [], f"{cmd} {name}: wrote a result for a bad config")

    def test_validate(self):
        for name, expected, extra in corpus():
            with self.subTest(name=name):
                self.check("validate", name, expected, extra)

    def test_run(self):
        for name, expected, extra in corpus():
            with self.subTest(name=name):
                self.check("run", name, expected, extra)


class FlagsTest(unittest.TestCase):
    def test_bad_flags(self):
        quick = os.path.join(ROOT, "configs", "quick.json")
        cases = [
            [],
            ["frobnicate"],
            ["run"],
            ["run", quick, "--bogus"],
            ["run", quick, "extra-positional"],
            ["validate"],
            ["list", "--nope"],
            ["sample", quick],
            ["sample", quick, "--ops", "0"],
            ["sample", quick, "--ops", "abc"],
            ["sample", quick, "--ops", "10", "--format", "xml"],
        ]
        for args in cases:
            with self.subTest(args=args):
                code, _, err = run(args)
                self.assertEqual(code, 2, f"{args}: exit {code}, stderr {err!r}")
                self.assertTrue(err.strip(), args)

    def test_help_everywhere(self):
        for args in [["--help"], ["run", "--help"], ["validate", "--help"], ["list", "--help"],
                     ["sample", "--help"], ["probe", "--help"]]:
            with self.subTest(args=args):
                code, out, _ = run(args)
                self.assertEqual(code, 0, args)
                self.assertTrue(out.strip(), args)


def leaves(doc, path=()):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from leaves(v, path + (k,))
    elif isinstance(doc, list) and doc and isinstance(doc[0], dict):
        for i, v in enumerate(doc):
            yield from leaves(v, path + (i,))
    else:
        yield path, doc


def set_at(doc, path, value):
    for p in path[:-1]:
        doc = doc[p]
    doc[path[-1]] = value


BAD_VALUES = ["x", -1, 1e30, 0, True, None, [], {}, [1, "a"], 0.5, "", 1.5, -0.0001]


def strip_comments(text):
    return "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("//"))


class MutationTest(unittest.TestCase):
    """Configs that are not in the corpus: random wrong values and unknown keys planted in the
    shipped configs. Whatever the mutation, rpbench answers 0 (still valid) or 2 with one line."""

    def test_mutations(self):
        rng = random.Random(7)
        bases = []
        for name in sorted(os.listdir(os.path.join(ROOT, "configs"))):
            if name.endswith(".json"):
                with open(os.path.join(ROOT, "configs", name)) as f:
                    bases.append(json.loads(strip_comments(f.read())))
        self.assertTrue(bases)
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(60):
                doc = copy.deepcopy(rng.choice(bases))
                paths = list(leaves(doc))
                path, _ = rng.choice(paths)
                if rng.random() < 0.2:
                    path = path[:-1] + (str(path[-1]) + "x",)
                    set_at(doc, path, 1)
                else:
                    set_at(doc, path, rng.choice(BAD_VALUES))
                cfg = os.path.join(tmp, f"m{i}.json")
                with open(cfg, "w") as f:
                    json.dump(doc, f)
                code, _, err = run(["validate", cfg])
                lines = [l for l in err.splitlines() if l.strip()]
                with self.subTest(mutation=path, config=json.dumps(doc)[:200]):
                    self.assertIn(code, (0, 2), err)
                    if code == 2:
                        self.assertEqual(len(lines), 1, lines)
                        self.assertTrue(lines[0].startswith("error: "), lines)


if __name__ == "__main__":
    unittest.main(verbosity=2)
