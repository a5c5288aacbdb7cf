"""Figure 5: a timeline per engine at the dataset size nearest 1 GB (one file per engine): p99
latency and throughput per interval of the run phase, with the snapshot's events marked."""
from .. import style
from . import canvas, pick, series
from .spec import Made, NoData

NUMBER = 5
SLUG = "timeline"
TITLE = "Timeline of a snapshot under load"
DESCRIPTION = ("p99 latency (log) and throughput per interval of the run phase, one engine per part, at "
               "the dataset size nearest 1 GB; vertical lines: snapshot start (solid), fork returned "
               "(dotted), child done (dash-dot), reaped (dashed); shaded: start to reaped")
POINT_FIELDS = ("dataset.keys",)
EVENTS = {"snapshot_start": ("-", "snapshot start"), "fork_returned": (":", "fork returned"),
          "child_done": ("-.", "child done"), "reaped": ("--", "reaped"),
          "snapshot_failed": ((0, (1, 3)), "snapshot failed")}


def _run_phase(result):
    for p in result.phases("run"):
        if (p.get("timeline") or {}).get("intervals") and p.get("events"):
            return p
    return None


def _first_repeat(group):
    return sorted(group, key=lambda r: (r.repeat if r.repeat is not None else -1, r.run))[0]


def _draw(line, result, phase, size):
    tl = phase["timeline"]
    interval_ms = tl.get("interval_ms") or 1.0
    ivs = tl["intervals"]
    t = [iv["t_ms"] / 1000.0 for iv in ivs]
    fig, axes = canvas.new("single", 2.6, 2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    ax, ax_ops = axes[0][0], axes[1][0]
    pts = [(x, iv["p99_ns"] / 1000.0) for x, iv in zip(t, ivs) if iv.get("p99_ns") is not None]
    ax.plot([p[0] for p in pts], [p[1] for p in pts], color=line.style["color"], label="p99 per interval")
    ax_ops.plot(t, [iv["ops"] * 1000.0 / interval_ms / 1000.0 for iv in ivs], color=line.style["color"])
    seen = set()
    starts = {}
    for e in phase.get("events") or []:
        ls, name = EVENTS.get(e.get("event"), ("-", e.get("event")))
        x = e["t_ms"] / 1000.0
        for a in (ax, ax_ops):
            a.axvline(x, color="#C00000" if e.get("event") == "snapshot_failed" else "#333333", linestyle=ls,
                      linewidth=0.7, label=name if a is ax and name not in seen else None)
        seen.add(name)
        if e.get("event") == "snapshot_start":
            starts[e.get("snapshot")] = x
        elif e.get("event") == "reaped" and e.get("snapshot") in starts:
            for a in (ax, ax_ops):
                a.axvspan(starts[e["snapshot"]], x, color="#999999", alpha=0.15, linewidth=0)
    canvas.log_axis(ax, "y", minor_labels=False)
    ax.set_ylabel("p99 (µs, log)")
    ax.set_title(f"{line.label}, {pick.size_text(size)} ({result.run})", fontsize=6)
    ax.grid(alpha=0.3, which="both")
    canvas.legend(ax, ncol=2, loc="upper right")
    ax_ops.set_ylabel("kops/s")
    ax_ops.set_ylim(bottom=0)
    ax_ops.set_xlabel(f"time in the run phase (s), {interval_ms:g} ms intervals")
    ax_ops.grid(alpha=0.3)
    return fig


def make(inputs):
    results = [r for r in inputs.experiments if _run_phase(r) is not None]
    if not results:
        raise NoData("no experiment result with a timeline and snapshot events")
    lines = series.build_lines(results, POINT_FIELDS, allow_mixed=inputs.allow_mixed, what="the timeline")
    made = []
    letters = "abcdefghijklmnopqrstuvwxyz"
    for line in lines:
        group, size = pick.nearest_size(line, POINT_FIELDS)
        if not group:
            continue
        result = _first_repeat(group)
        with canvas.paper_rc():
            fig = _draw(line, result, _run_phase(result), size)
        letter = letters[len(made) % len(letters)]
        repeats = ("one run" if len(group) == 1 else
                   f"one run shown ({result.run}, repeat {result.repeat} of N = {len(group)})")
        made.append(Made(fig, [result], repeats, part=f"{letter}-{style.safe_name(line.label)}",
                         part_title=f"({letter}) {line.label}"))
    if not made:
        raise NoData("no experiment result with a timeline and a dataset size")
    return made
