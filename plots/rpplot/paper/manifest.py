"""The paper's manifest (configs/sweeps/paper.json): the ONE place that lists the sweeps and
probes the figures draw from, and which figures (and the headline table) each one feeds. When a
sweep lands, add a line for it.

  {"name": "paper", "description": "...", "repeats": 3,
   "sweeps": [{"sweep": "mempool", "figures": [1, 2, 3], "table": true, "repeats": 5, "note": "..."},
              {"sweep": "pingpong", "figures": [3], "where": {"engine.buffer_bytes": 4194304}}],
   "probes": [{"probe": "transport-shm", "args": ["probe", "transport", "--type", "shm"],
               "out": "probe/transport-shm.json", "figures": [8, 10], "note": "..."}]}

`where` (sweeps only) keeps the sweep's results whose resolved config has those values (dotted
keys, JSON scalars): a sweep that studies configurations at one dataset size (pingpong: buffer
sizes, channels) feeds the paper with one of them.
`repeats` (paper-wide, or per sweep) is how many times scripts/run_paper.py runs each point; a
probe's `args` are rpbench's (the runner adds --out RESULTS/<out>); `out` is relative to the
results root.
"""
import json
import pathlib
import re
from dataclasses import dataclass, field

TOP_KEYS = {"name", "description", "repeats", "sweeps", "probes"}
SWEEP_KEYS = {"sweep", "figures", "table", "repeats", "note", "where"}
PROBE_KEYS = {"probe", "args", "out", "figures", "table", "note"}
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
DOTTED = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


class ManifestError(ValueError):
    """A manifest that cannot be used; the message names the file and the problem."""


@dataclass
class Source:
    kind: str                  # "sweep" or "probe"
    name: str
    figures: list
    table: bool = False
    repeats: int = 1
    args: list = field(default_factory=list)
    out: str = ""              # probes: result file relative to the results root
    note: str = ""
    where: dict = field(default_factory=dict)  # sweeps: config values a result must have

    def results_path(self, results_root):
        root = pathlib.Path(results_root)
        return root / self.name if self.kind == "sweep" else root / self.out

    def command(self, repeats=None):
        """The command that produces this source's results."""
        if self.kind == "sweep":
            n = self.repeats if repeats is None else repeats
            return f"./run_experiments.sh {self.name}" + (f" --repeats {n}" if n > 1 else "")
        return "build/rpbench " + " ".join(self.args) + f" --out results/{self.out}"


@dataclass
class Manifest:
    path: pathlib.Path
    description: str
    repeats: int
    sources: list

    def for_figure(self, number):
        return [s for s in self.sources if number in s.figures]

    def for_table(self):
        return [s for s in self.sources if s.table]


def _repeats(path, where, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ManifestError(f"{path}: {where}'repeats' must be an integer >= 1, got {json.dumps(value)}")
    return value


def _where(path, where, value):
    if not isinstance(value, dict):
        raise ManifestError(f"{path}: {where}: 'where' must be an object of dotted config key -> value")
    for key, v in value.items():
        if not DOTTED.match(key):
            raise ManifestError(f"{path}: {where}: 'where' key {key!r} is not a dotted config key like 'engine.buffer_bytes'")
        if isinstance(v, (dict, list)):
            raise ManifestError(f"{path}: {where}: 'where' value of {key!r} must be a string, number, boolean or null")
    return dict(value)


def _entry(path, i, entry, kind, known_figures, default_repeats):
    where = f"{kind}s[{i}]"
    if not isinstance(entry, dict):
        raise ManifestError(f"{path}: {where} must be an object")
    allowed = SWEEP_KEYS if kind == "sweep" else PROBE_KEYS
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise ManifestError(f"{path}: {where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    name = entry.get(kind)
    if not isinstance(name, str) or not NAME.match(name):
        raise ManifestError(f"{path}: {where}: '{kind}' must name it (letters, digits, . _ -), got {json.dumps(name)}")
    figures = entry.get("figures", [])
    if not isinstance(figures, list) or not all(isinstance(f, int) and not isinstance(f, bool) for f in figures):
        raise ManifestError(f"{path}: {where} ({name}): 'figures' must be a list of figure numbers")
    bad = [f for f in figures if f not in known_figures]
    if bad:
        raise ManifestError(f"{path}: {where} ({name}): no figure {bad[0]}; the figures are "
                            f"{', '.join(str(n) for n in sorted(known_figures))}")
    table = entry.get("table", False)
    if not isinstance(table, bool):
        raise ManifestError(f"{path}: {where} ({name}): 'table' must be true or false")
    src = Source(kind, name, figures, table, note=str(entry.get("note", "")))
    if kind == "sweep":
        src.repeats = _repeats(path, f"{where} ({name}): ", entry.get("repeats", default_repeats))
        src.where = _where(path, f"{where} ({name})", entry.get("where", {}))
        return src
    args, out = entry.get("args"), entry.get("out")
    if not isinstance(args, list) or not args or args[0] != "probe" or not all(isinstance(a, str) for a in args):
        raise ManifestError(f"{path}: {where} ({name}): 'args' must be rpbench's arguments, starting with \"probe\"")
    if any(a == "--out" or a.startswith("--out=") for a in args):
        raise ManifestError(f"{path}: {where} ({name}): leave --out out of 'args'; 'out' names the result file")
    if not isinstance(out, str) or not out.endswith(".json") or out.startswith("/") or ".." in pathlib.PurePath(out).parts:
        raise ManifestError(f"{path}: {where} ({name}): 'out' must be a .json path inside the results root, "
                            f"got {json.dumps(out)}")
    src.args, src.out = args, out
    return src


def load(path, known_figures):
    """Reads and checks the manifest; raises ManifestError with a one-line message."""
    path = pathlib.Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ManifestError(f"{path}: cannot read the paper manifest: {e.strerror}") from e
    except json.JSONDecodeError as e:
        raise ManifestError(f"{path}: not valid JSON: line {e.lineno} column {e.colno}: {e.msg}") from e
    if not isinstance(doc, dict):
        raise ManifestError(f"{path}: the paper manifest is a JSON object")
    unknown = sorted(set(doc) - TOP_KEYS)
    if unknown:
        raise ManifestError(f"{path}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(TOP_KEYS))}")
    repeats = _repeats(path, "", doc.get("repeats", 1))
    sources = []
    for kind in ("sweep", "probe"):
        entries = doc.get(f"{kind}s", [])
        if not isinstance(entries, list):
            raise ManifestError(f"{path}: '{kind}s' must be a list")
        sources += [_entry(path, i, e, kind, set(known_figures), repeats) for i, e in enumerate(entries)]
    names = [(s.kind, s.name) for s in sources]
    dup = [n for i, n in enumerate(names) if n in names[:i]]
    if dup:
        raise ManifestError(f"{path}: {dup[0][0]} {dup[0][1]!r} is listed twice")
    outs = [s.out for s in sources if s.kind == "probe"]
    dup = [o for i, o in enumerate(outs) if o in outs[:i]]
    if dup:
        raise ManifestError(f"{path}: two probes write {dup[0]!r}")
    return Manifest(path, str(doc.get("description", "")), repeats, sources)
