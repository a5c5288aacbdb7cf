"""The report's headline table: per engine (line) and dataset size, the fork pause, snapshot
time, recovery time and foreground p99 during the snapshot, each the median over the point's
repeats with its min-max range, and the result files it came from."""
import os
from dataclasses import dataclass, field

import numpy as np

from .. import contexts, loader
from . import dataset, metrics, series

POINT_FIELDS = ("dataset.keys",)
COLUMNS = (  # (header, unit, per-result function)
    ("fork pause", "µs", lambda r: metrics.snapshot_mean(r, "fork_us")),
    ("snapshot", "ms", lambda r: metrics.snapshot_mean(r, "duration_ms")),
    ("recovery", "ms", metrics.recovery_ms),
    ("p99 outside snapshot", "µs", lambda r: _us(metrics.latency_quantile_ns(r, "normal", 0.99))),
    ("p99 during snapshot", "µs", lambda r: _us(metrics.latency_quantile_ns(r, "during_snapshot", 0.99))),
)


# A result makes a row when it measured one of these (not only foreground latency).
HEADLINE = ("fork pause", "snapshot", "recovery", "p99 during snapshot")


def _us(ns):
    return ns / 1000.0 if ns is not None else None


@dataclass
class Row:
    engine: str
    transport: str
    sweep: str
    keys: object
    dataset_gb: object
    n: int
    cells: list                       # per column: (median, lo, hi) or None
    files: list = field(default_factory=list)
    mixed: str = ""                   # what differs, when the repeats' contexts do


def fmt(value):
    if value is None:
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def cell_text(cell):
    if cell is None:
        return "–"
    med, lo, hi = cell
    return fmt(med) if lo == hi else f"{fmt(med)} [{fmt(lo)}–{fmt(hi)}]"


def rows(results, allow_mixed=False):
    """Rows for experiment results that measured a HEADLINE column: per line (in the figures' engine
    order), per dataset size (ascending)."""
    results = [r for r in results if r.kind == "experiment" and any(f(r) is not None for h, _, f in COLUMNS if h in HEADLINE)]
    out = []
    for line in series.build_lines(results, POINT_FIELDS, allow_mixed=True, what="the row"):
        for group in sorted(line.points(POINT_FIELDS), key=lambda g: dataset.dataset_bytes(g[0].config) or 0):
            cells = []
            for _, _, f in COLUMNS:
                vals = [v for v in (f(r) for r in group) if v is not None]
                cells.append((float(np.median(vals)), min(vals), max(vals)) if vals else None)
            size = dataset.dataset_bytes(group[0].config)
            row = Row(line.label, line.transport.short, line.sweep,
                      loader.config_value(group[0].config, "dataset.keys"), size / 1e9 if size else None,
                      len(group), cells, sorted(r.path for r in group))
            mixed = contexts.describe(group)
            if mixed and not allow_mixed:
                row.cells = [None] * len(COLUMNS)
                row.mixed = mixed
            elif mixed:
                row.mixed = mixed
            out.append(row)
    return out


def relative_links(row, outdir):
    return [(os.path.relpath(p, outdir), p.stem) for p in row.files]
