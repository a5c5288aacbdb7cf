"""Figure 6: the fork pause against the parent's RSS, 4 KiB pages vs THP: left, each fork-based
engine's fork time per snapshot against its RSS at fork; right, the fork probe (fork() of a
process with that much touched memory)."""
from . import canvas, metrics, series
from .. import identity
from .spec import Made, NoData

NUMBER = 6
SLUG = "fork_pause"
TITLE = "Fork pause vs RSS, 4 KiB pages vs THP"
DESCRIPTION = ("Left: fork time in the parent (the redis engine: the server's latest_fork_usec) against "
               "the RSS before the fork, per engine and page mode (engine.thp and the system THP mode); "
               "right: rpbench probe fork, median of its repeats per size, bars min to max")
POINT_FIELDS = ("dataset.keys",)
PROBE_COLOURS = {"4 KiB": "#0072B2", "THP": "#D55E00"}


def _rss_gib(r):
    v = metrics.snapshot_mean(r, "rss_before_bytes")
    return v / (1 << 30) if v else None


def _fork_us(r):
    return metrics.snapshot_mean(r, "fork_us")


def _probe_series(probe):
    """{label: [(size GiB, median, min, max)]} of a probe-fork result."""
    out = {}
    for e in (probe.doc.get("probe") or {}).get("fork") or []:
        pages = "THP" if e.get("pages") == "thp" and e.get("thp_used") else \
            "THP requested, not used" if e.get("pages") == "thp" else "4 KiB"
        label = pages + (", warm-up" if e.get("warmup") else "")
        reps = e.get("fork_us") or [e["fork_us_median"]]
        out.setdefault(label, []).append((e["size_bytes"] / (1 << 30), e["fork_us_median"], min(reps), max(reps)))
    return {k: sorted(v) for k, v in out.items()}


def make(inputs):
    engines = [r for r in inputs.experiments if _fork_us(r) is not None and _rss_gib(r) is not None]
    probes = [p for p in inputs.probes if p.kind == "probe-fork" and (p.doc.get("probe") or {}).get("fork")]
    if not engines and not probes:
        raise NoData("no experiment with a timed fork and no probe-fork result")
    lines = series.build_lines(engines, POINT_FIELDS, split=identity.page_mode, allow_mixed=inputs.allow_mixed,
                               what="the line")
    aggs_all, notes = [], []
    with canvas.paper_rc():
        fig, axes = canvas.new("double", 2.6, 1, 2, sharey=True)
        ax, ax_probe = axes[0]
        for line in lines:
            aggs = line.aggregate(POINT_FIELDS, _rss_gib, _fork_us, inputs.spread)
            aggs_all += aggs
            canvas.draw_line(ax, line, aggs, linestyle="-" if line.split == "THP" else "--")
        if not lines:
            ax.text(0.5, 0.5, "no engine results", transform=ax.transAxes, ha="center", fontsize=6)
            notes.append("left panel empty: no experiment with a timed fork")
        ax.set_title("engines: fork time per snapshot", fontsize=7)
        ax.set_xlabel("RSS before the fork (GiB, log)")
        ax.set_ylabel("fork pause (µs, log)")
        for probe in probes:
            for i, (label, pts) in enumerate(_probe_series(probe).items()):
                colour = PROBE_COLOURS.get(label.split(",")[0], f"C{i + 2}")
                ax_probe.errorbar([p[0] for p in pts], [p[1] for p in pts],
                                  yerr=[[p[1] - p[2] for p in pts], [p[3] - p[1] for p in pts]],
                                  color=colour, marker="o", linestyle="--" if "warm-up" in label else "-",
                                  elinewidth=0.6, label=f"{label} ({probe.run})" if len(probes) > 1 else label)
        if not probes:
            ax_probe.text(0.5, 0.5, "no probe-fork result", transform=ax_probe.transAxes, ha="center", fontsize=6)
            notes.append("right panel empty: no probe-fork result")
        ax_probe.set_title("probe: fork() of touched memory", fontsize=7)
        ax_probe.set_xlabel("mapped and touched (GiB, log)")
        for a in (ax, ax_probe):
            canvas.log_axis(a, "x")
            canvas.log_axis(a, "y", minor_labels=False)
            a.grid(alpha=0.3, which="both")
            canvas.legend(a, loc="upper left")
    used = [r for a in aggs_all for r in a.results] + probes
    repeats = series.repeats_text(aggs_all, inputs.spread) if aggs_all else ""
    if probes:
        repeats = (repeats + "; " if repeats else "") + "probe: median of its own repeats per size"
    return [Made(fig, used, repeats, notes, width="double")]
