"""Lines and points of the paper's figures, and their repeats.

A line is one engine key over one transport variant from one sweep (plus, when needed, a split
such as the page mode). Its results are told apart only by their configs: leaves that differ
within such a group but are not the figure's point fields (the x axis, e.g. dataset.keys) split
the line further and are named in its label ("rate=40000"), so two different experiments are
never averaged. Results whose configs agree on everything are repeats of one point: the point
draws their median and their spread (min-max, or the interquartile range).

Every line is checked with contexts.check_same(): its results must share machine, build and THP
mode unless the caller allows mixing.
"""
import json
from dataclasses import dataclass, field

import numpy as np

from .. import contexts, identity, style

# Config leaves that never make two experiments different, and leaves already in the line key.
IGNORED = ("name", "engine.dir", "transport.token", "transport.memnode")
IN_KEY = ("engine.type", "transport.type", "transport.link.bandwidth_gbps", "transport.link.latency_us") + \
    tuple(f"engine.{f}" for f in identity.MODE_FIELDS.values())
FILL_STYLES = ("full", "none", "left", "bottom", "right", "top")
SPREADS = {"range": "min to max", "iqr": "interquartile range"}


def flatten(node, prefix=""):
    """{dotted key: JSON text} of every leaf of a config; lists of objects are walked by index
    (phases.1.duration_s), lists of plain values are leaves (snapshot_at_s: [5])."""
    if isinstance(node, dict) or (isinstance(node, list) and any(isinstance(x, (dict, list)) for x in node)):
        out = {}
        for k, v in (node.items() if isinstance(node, dict) else enumerate(node)):
            out.update(flatten(v, f"{prefix}{k}."))
        return out
    return {prefix[:-1]: json.dumps(node, sort_keys=True)}


def _under(key, prefixes):
    return any(key == p or key.startswith(p + ".") for p in prefixes)


@dataclass
class Agg:
    """One point of a line over its repeats."""
    x: float
    median: float
    lo: float
    hi: float
    n: int
    results: list = field(repr=False)


@dataclass
class Line:
    engine: str
    transport: identity.TransportVariant
    sweep: str
    split: object
    extra: tuple          # ((dotted key, JSON value), ...) that set this line apart
    results: list = field(repr=False)
    label: str = ""
    style: dict = field(default_factory=dict)

    def points(self, point_fields):
        """[[results]] grouped by the values of the point fields (repeats of one point)."""
        groups = {}
        for r in self.results:
            flat = flatten(r.config)
            groups.setdefault(tuple(flat.get(f) for f in point_fields), []).append(r)
        return list(groups.values())

    def aggregate(self, point_fields, x_of, y_of, spread="range"):
        """[Agg] sorted by x: per point the median x and the median and spread of y over the
        repeats that have both; points with neither are left out."""
        out = []
        for group in self.points(point_fields):
            pairs = [(x_of(r), y_of(r), r) for r in group]
            pairs = [(x, y, r) for x, y, r in pairs if x is not None and y is not None]
            if not pairs:
                continue
            ys = np.array([y for _, y, _ in pairs], dtype=float)
            lo, hi = (ys.min(), ys.max()) if spread == "range" else np.percentile(ys, [25, 75])
            out.append(Agg(float(np.median([x for x, _, _ in pairs])), float(np.median(ys)), float(lo),
                           float(hi), len(pairs), [r for _, _, r in pairs]))
        return sorted(out, key=lambda a: a.x)


def _short(key):
    return key.rsplit(".", 1)[-1]


def _value_text(text):
    if text is None:
        return "unset"
    v = json.loads(text)
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10000:
        return f"{v:,}"
    return v if isinstance(v, str) else json.dumps(v)


def build_lines(results, point_fields=(), split=None, allow_mixed=False, what="a line"):
    """Groups results into lines (see the module doc). `split(result)` adds a value to the line
    key (e.g. the page mode); None keeps results together. Raises contexts.MixedContextError for
    a line whose results come from different contexts, unless allow_mixed."""
    base = {}
    for r in results:
        key = (identity.engine_key(r), identity.transport_variant(r), r.sweep, split(r) if split else None)
        base.setdefault(key, []).append(r)
    lines = []
    for (engine, transport, sweep, sp), members in base.items():
        flats = [flatten(r.config) for r in members]
        keys = sorted(set().union(*flats))
        varying = [k for k in keys
                   if len({f.get(k) for f in flats}) > 1 and not _under(k, IGNORED + IN_KEY + tuple(point_fields))]
        groups = {}
        for r, f in zip(members, flats):
            groups.setdefault(tuple((k, f.get(k)) for k in varying), []).append(r)
        for extra, rs in groups.items():
            lines.append(Line(engine, transport, sweep, sp, extra, rs))
    _label_and_style(lines)
    for line in lines:
        contexts.check_same(line.results, f"{what} ({line.label})", allow_mixed)
    return sorted(lines, key=lambda ln: (list(style.ENGINE_STYLES).index(ln.engine)
                                         if ln.engine in style.ENGINE_STYLES else 99, ln.engine,
                                         ln.transport.sort_key, str(ln.split), ln.sweep, ln.extra))


def _label_and_style(lines):
    sweeps_of = {}
    for ln in lines:
        sweeps_of.setdefault((ln.engine, ln.transport), set()).add(ln.sweep)
    siblings = {}
    for ln in lines:
        parts = [ln.engine]
        if ln.transport.type != "none":
            parts[0] += f" over {ln.transport.short}"
        if ln.split is not None:
            parts.append(str(ln.split))
        if len(sweeps_of[(ln.engine, ln.transport)]) > 1:
            parts.append(f"sweep {ln.sweep}")
        parts += [f"{_short(k)}={_value_text(v)}" for k, v in ln.extra]
        ln.label = ", ".join(parts)
        n = siblings.setdefault((ln.engine, ln.transport), 0)
        siblings[(ln.engine, ln.transport)] = n + 1
        ln.style = {**style.engine_style(ln.engine), "linestyle": style.transport_linestyle(ln.transport),
                    "fillstyle": FILL_STYLES[n % len(FILL_STYLES)], "hatch": style.bar_hatch(ln.transport, n)}


def repeats_text(aggs, spread="range"):
    """'median of N = 3 repeats per point, bars: min to max' for the points drawn."""
    ns = sorted({a.n for a in aggs})
    if not ns:
        return ""
    if ns == [1]:
        return "one run per point (N = 1), no error bars"
    n = f"N = {ns[0]}" if len(ns) == 1 else f"N = {ns[0]}-{ns[-1]}"
    return f"median of {n} repeats per point, bars: {SPREADS[spread]}"
