"""Figure 4: CDF of foreground latency, ops outside the snapshot vs ops during it, one panel per
engine at the dataset size nearest 1 GB, from the raw histogram buckets pooled over repeats."""
import math
import textwrap

from .. import loader
from . import canvas, metrics, pick, series
from .spec import Made, NoData

NUMBER = 4
SLUG = "latency_cdf"
TITLE = "Latency CDFs, normal vs during the snapshot"
DESCRIPTION = ("Fraction of ops at or below a latency (log x, bucket upper bounds), for the run phases' "
               "ops outside a snapshot (dashed) and during one (solid), per engine at the dataset size nearest 1 GB; the "
               "histogram buckets of a point's repeats are pooled")
POINT_FIELDS = ("dataset.keys",)
MAX_COLS = 4


def _pooled(results, cls):
    counts = {}
    for r in results:
        buckets, _ = metrics.merged_buckets(r, cls)
        for upper, count in buckets:
            counts[upper] = counts.get(upper, 0) + count
    return [[u, counts[u]] for u in sorted(counts)]


def make(inputs):
    results = [r for r in inputs.experiments if metrics.latency_quantile_ns(r, "during_snapshot", 0.5) is not None]
    if not results:
        raise NoData("no experiment result with ops during a snapshot")
    lines = series.build_lines(results, POINT_FIELDS, allow_mixed=inputs.allow_mixed, what="the panel")
    chosen = [(line, *pick.nearest_size(line, POINT_FIELDS)) for line in lines]
    chosen = [c for c in chosen if c[1]]
    if not chosen:
        raise NoData("no experiment result with ops during a snapshot and a dataset size")
    ncols = min(MAX_COLS, len(chosen))
    nrows = math.ceil(len(chosen) / ncols)
    used, ns = [], set()
    with canvas.paper_rc():
        fig, axes = canvas.new("double", 1.75 * nrows + 0.5, nrows, ncols, sharey=True)
        flat = [a for row in axes for a in row]
        for ax, (line, group, size) in zip(flat, chosen):
            used += group
            ns.add(len(group))
            for cls, name, kw in (("normal", "outside", {"color": "#555555", "linestyle": "--"}),
                                  ("during_snapshot", "during", {"color": line.style["color"]})):
                buckets = _pooled(group, cls)
                xs, ys = loader.cdf_from_buckets(buckets)
                if xs:
                    n = sum(c for _, c in buckets)
                    ax.step([x / 1000.0 for x in xs], ys, where="post", label=f"{name} (n={n:,})", **kw)
            canvas.log_axis(ax, "x", minor_labels=False)
            ax.set_ylim(0, 1.02)
            ax.set_title("\n".join(textwrap.wrap(f"{line.label}, {pick.size_text(size)}", 34)), fontsize=6)
            ax.set_xlabel("latency (µs, log)")
            ax.grid(alpha=0.3, which="both")
            canvas.legend(ax, loc="lower right")
        for ax in flat[len(chosen):]:
            ax.set_visible(False)
        for row in axes:
            row[0].set_ylabel("fraction of ops")
    repeats = (f"buckets of N = {min(ns)} repeats pooled per panel" if len(ns) == 1 and min(ns) > 1
               else "one run per panel" if ns == {1} else f"buckets of N = {min(ns)}-{max(ns)} repeats pooled per panel")
    return [Made(fig, used, repeats, width="double")]
