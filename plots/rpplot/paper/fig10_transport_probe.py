"""Figure 10: what each transport can do, from rpbench probe transport: write and read bandwidth
against the transfer size at the probe's judged configuration, and the latency of one transfer
(queue depth 1, one channel), one colour per transport variant."""
import numpy as np

from .. import contexts, identity, style
from . import canvas
from .spec import Made, NoData

NUMBER = 10
SLUG = "transport_probe"
TITLE = "Transport bandwidth and latency vs transfer size"
DESCRIPTION = ("Left: GB/s (10^9 B/s) of one-sided writes (solid) and reads (dashed) at the configuration the "
               "probe judges (fewest channels, deepest queue); right: p50 (solid) and p99 (dotted) of one "
               "write, post to completion, queue depth 1, one channel")


def _judged(probe, op):
    for s in (probe.doc.get("probe") or {}).get("summary") or []:
        if s.get("op") == op:
            return s.get("judged_channels"), s.get("judged_queue_depth")
    points = [p for p in (probe.doc.get("probe") or {}).get("bandwidth") or [] if p["op"] == op]
    if not points:
        return None, None
    ch = min(p["channels"] for p in points)
    return ch, max(p["queue_depth"] for p in points if p["channels"] == ch)


def _bandwidth(probe, op):
    ch, qd = _judged(probe, op)
    return {p["size_bytes"]: p["gb_per_s"] for p in (probe.doc.get("probe") or {}).get("bandwidth") or []
            if p["op"] == op and p["channels"] == ch and p["queue_depth"] == qd}


def _latency_us(probe, key):
    return {e["size_bytes"]: e["latency"][key] / 1000.0 for e in (probe.doc.get("probe") or {}).get("latency") or []
            if e["op"] == "write" and (e.get("latency") or {}).get("count")}


def _median_curve(dicts):
    sizes = sorted(set().union(*dicts))
    pts = []
    for s in sizes:
        vals = [d[s] for d in dicts if s in d]
        pts.append((s, float(np.median(vals)), min(vals), max(vals)))
    return pts


def _plot(ax, pts, colour, linestyle, label):
    if not pts:
        return
    yerr = [[p[1] - p[2] for p in pts], [p[3] - p[1] for p in pts]] if any(p[2] != p[3] for p in pts) else None
    ax.errorbar([p[0] for p in pts], [p[1] for p in pts], yerr=yerr, color=colour, linestyle=linestyle,
                marker="o", markersize=2.5, elinewidth=0.6, label=label)


def make(inputs):
    probes = [p for p in inputs.probes if p.kind == "probe-transport" and (p.doc.get("probe") or {}).get("bandwidth")]
    if not probes:
        raise NoData("no probe-transport result")
    by_variant = {}
    for p in probes:
        by_variant.setdefault(identity.transport_variant(p), []).append(p)
    variants = sorted(by_variant, key=lambda v: v.sort_key)
    links = [v.link_gbps for v in variants if v.link_gbps]
    for v in variants:
        contexts.check_same(by_variant[v], f"the line of {v.short}", inputs.allow_mixed)
    with canvas.paper_rc():
        fig, axes = canvas.new("double", 2.6, 1, 2)
        ax_bw, ax_lat = axes[0]
        for v in variants:
            colour = style.transport_colour(v, links)
            group = by_variant[v]
            _plot(ax_bw, _median_curve([_bandwidth(p, "write") for p in group]), colour, "-", f"{v.short} write")
            _plot(ax_bw, _median_curve([_bandwidth(p, "read") for p in group]), colour, "--", f"{v.short} read")
            _plot(ax_lat, _median_curve([_latency_us(p, "p50_ns") for p in group]), colour, "-", f"{v.short} p50")
            _plot(ax_lat, _median_curve([_latency_us(p, "p99_ns") for p in group]), colour, ":", f"{v.short} p99")
        sizes = [p["size_bytes"] for pr in probes for p in (pr.doc.get("probe") or {}).get("bandwidth") or []]
        for ax, ylabel in ((ax_bw, "bandwidth (GB/s, log)"), (ax_lat, "write latency (µs, log)")):
            canvas.size_axis(ax, sizes)
            canvas.log_axis(ax, "y", minor_labels=False)
            ax.set_ylabel(ylabel)
            ax.grid(alpha=0.3, which="both")
            canvas.legend(ax, loc="best", ncol=2)
    ns = {len(g) for g in by_variant.values()}
    repeats = ("one probe run per transport (N = 1), no error bars" if ns == {1}
               else f"median of N = {min(ns)}-{max(ns)} probe runs, bars: min to max")
    return [Made(fig, probes, repeats, width="double")]
