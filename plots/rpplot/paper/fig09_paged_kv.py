"""Figure 9: paged-kv's throughput against its local cache fraction (one line per contest phase),
and the contest's per-phase throughput, one bar per engine (and setting), at one client thread
count (the contest sweep's grid has several and its dataset grows with them: 2 threads where the
sweep has them, else its smallest count; the sweep's own `paged` figures show every count). The
bars are the all-local reference (the memory engine), and paged-kv with 25% and all of the data
cached."""
import numpy as np

from .. import loader
from . import canvas, metrics, series
from .spec import Made, NoData

NUMBER = 9
SLUG = "paged_kv"
TITLE = "paged-kv throughput vs cache fraction, and the contest's phases"
DESCRIPTION = ("Left: ops/s of each contest phase of paged-kv against engine.cache_fraction (the local "
               "page cache's share of the data); right: ops/s per contest phase (write, delete, rewrite, "
               "mixed) of every engine the contest sweep ran")
PHASES = ("write", "delete", "rewrite", "mixed")
BAR_FRACTIONS = (0.25, 1.0)
PREFERRED_THREADS = 2
PHASE_STYLES = {"write": "-", "delete": "--", "rewrite": "-.", "mixed": ":"}
POINT_FIELDS = ("engine.cache_fraction",)


def _fraction(r):
    v = loader.config_value(r.config, "engine.cache_fraction")
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _is_contest(r):
    names = {p.get("name") for p in r.phases()}
    return all(p in names for p in PHASES)


def _kops(name):
    def kops(r):
        v = metrics.phase_ops_per_s(r, name)
        return v / 1000.0 if v else None
    return kops


def _left(ax, results, inputs, aggs_all):
    lines = series.build_lines(results, POINT_FIELDS, allow_mixed=inputs.allow_mixed, what="the line")
    for line in lines:
        for phase in PHASES:
            aggs = line.aggregate(POINT_FIELDS, _fraction, _kops(phase), inputs.spread)
            aggs_all += aggs
            label = phase if len(lines) == 1 else f"{line.label}, {phase}"
            canvas.draw_line(ax, line, aggs, label=label, linestyle=PHASE_STYLES[phase])
    ax.set_xlabel("engine.cache_fraction (local cache / data)")
    ax.set_ylabel("throughput (kops/s)")
    ax.set_title("paged-kv vs cache fraction", fontsize=7)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    canvas.legend(ax, loc="upper left")


def _right(ax, results, inputs, ns):
    lines = series.build_lines(results, (), allow_mixed=inputs.allow_mixed, what="the bar")
    width = 0.8 / len(lines)
    for i, line in enumerate(lines):
        for j, phase in enumerate(PHASES):
            vals = [v for v in (_kops(phase)(r) for r in line.results) if v is not None]
            if not vals:
                continue
            ns.add(len(vals))
            med = float(np.median(vals))
            lo, hi = (min(vals), max(vals)) if inputs.spread == "range" else np.percentile(vals, [25, 75])
            ax.bar(j + (i - (len(lines) - 1) / 2) * width, med, width=width * 0.92, color=line.style["color"],
                   edgecolor="black", linewidth=0.3, hatch=line.style["hatch"],
                   yerr=[[med - lo], [hi - med]] if len(vals) > 1 else None, error_kw={"elinewidth": 0.6},
                   label=line.label if j == 0 else None)
    ax.set_xticks(range(len(PHASES)), labels=list(PHASES))
    ax.set_xlabel("contest phase")
    ax.set_ylabel("throughput (kops/s)")
    ax.set_title("contest phases", fontsize=7)
    ax.grid(axis="y", alpha=0.3)
    canvas.legend(ax, loc="upper right")


def _threads(r):
    return loader.config_value(r.config, "workload.threads") or 1


def make(inputs):
    contest = [r for r in inputs.experiments if _is_contest(r)]
    counts = sorted({_threads(r) for r in contest})
    threads = PREFERRED_THREADS if PREFERRED_THREADS in counts else (counts[0] if counts else None)
    contest = [r for r in contest if _threads(r) == threads]
    paged = [r for r in contest if r.engine == "paged-kv" and _fraction(r) is not None]
    contest = [r for r in contest if r.engine != "paged-kv" or _fraction(r) in BAR_FRACTIONS]
    if not paged and not contest:
        raise NoData("no paged-kv result with engine.cache_fraction and no contest result "
                     f"(phases {', '.join(PHASES)})")
    aggs_all, ns, notes = [], set(), []
    with canvas.paper_rc():
        fig, axes = canvas.new("double", 2.5, 1, 2)
        if paged:
            _left(axes[0][0], paged, inputs, aggs_all)
        else:
            axes[0][0].text(0.5, 0.5, "no paged-kv results", transform=axes[0][0].transAxes, ha="center")
            notes.append("left panel empty: no paged-kv result with a cache fraction")
        _right(axes[0][1], contest, inputs, ns)
    ns |= {a.n for a in aggs_all}
    if ns == {1}:
        repeats = "one run per point and bar (N = 1), no error bars"
    else:
        n = f"N = {min(ns)}" if len(ns) == 1 else f"N = {min(ns)}-{max(ns)}"
        repeats = f"median of {n} repeats per point and bar, bars: {series.SPREADS[inputs.spread]}"
    if len(counts) > 1:
        notes.append(f"at {threads} client threads; the sweep also ran {', '.join(str(c) for c in counts if c != threads)}")
    used = paged + [r for r in contest if all(r is not p for p in paged)]
    return [Made(fig, used, repeats, notes, width="double")]
