"""Figure 8: each engine's snapshot throughput as a fraction of what the transport can move, per
transport variant (shm, shm with link models, tcp, verbs): the snapshot's MB/s over the transport
probe's peak write bandwidth measured on the same machine."""
import numpy as np

from .. import identity
from . import canvas, metrics, pick, series
from .spec import Made, NoData

NUMBER = 8
SLUG = "bandwidth_fraction"
TITLE = "Snapshot throughput as a fraction of the transport's bandwidth"
DESCRIPTION = ("Snapshot bytes / duration (MB/s, 10^6 B/s) of each engine at the dataset size nearest 1 GB, "
               "over the peak write bandwidth of rpbench probe transport on the same transport, link model "
               "and machine (the best configuration at sizes of 1 MiB and more); 1.0 = the probe's peak")
POINT_FIELDS = ("dataset.keys",)
MACHINE = ("host", "cpu_model", "kernel")


def _machine(r):
    return tuple(str(r.context.get(f)) for f in MACHINE)


def peak_gb_per_s(probe):
    """The probe's best write GB/s over every configuration at sizes >= 1 MiB (all sizes when it
    measured none that large); None without write points."""
    points = [p for p in (probe.doc.get("probe") or {}).get("bandwidth") or [] if p.get("op") == "write"]
    big = [p for p in points if p["size_bytes"] >= (1 << 20)] or points
    return max((p["gb_per_s"] for p in big), default=None)


def _peaks(probes):
    """{(variant, machine): [peak GB/s per probe result]}"""
    out = {}
    for p in probes:
        if p.kind == "probe-transport" and peak_gb_per_s(p):
            out.setdefault((identity.transport_variant(p), _machine(p)), []).append((peak_gb_per_s(p), p))
    return out


def make(inputs):
    results = [r for r in inputs.experiments if identity.transport_variant(r).type != "none"
               and metrics.snapshot_mean(r, "mb_per_s") is not None]
    if not results:
        raise NoData("no experiment result over a transport with a snapshot's MB/s")
    peaks = _peaks(inputs.probes)
    if not peaks:
        raise NoData("no probe-transport result to compare with")
    lines = series.build_lines(results, POINT_FIELDS, allow_mixed=inputs.allow_mixed, what="the bar")
    bars, notes, used = [], [], []
    for line in lines:
        group, size = pick.nearest_size(line, POINT_FIELDS)
        if not group:
            continue
        key = (line.transport, _machine(group[0]))
        if key not in peaks:
            notes.append(f"{line.label}: no probe-transport result for {line.transport.short} on "
                         f"{key[1][0]}; left out")
            continue
        peak = float(np.median([g for g, _ in peaks[key]]))
        fractions = [metrics.snapshot_mean(r, "mb_per_s") / (peak * 1000.0) for r in group]
        bars.append((line, fractions, peak, size))
        used += group + [p for _, p in peaks[key] if p not in used]
    if not bars:
        raise NoData("no experiment result over a transport that has a probe result on its machine")
    variants = sorted({b[0].transport for b in bars}, key=lambda v: v.sort_key)
    with canvas.paper_rc():
        fig, axes = canvas.new("double", 2.5)
        ax = axes[0][0]
        per_group = {v: [b for b in bars if b[0].transport == v] for v in variants}
        width = 0.8 / max(len(g) for g in per_group.values())
        seen = set()
        ns = set()
        for gi, v in enumerate(variants):
            group = per_group[v]
            for bi, (line, fr, peak, size) in enumerate(group):
                x = gi + (bi - (len(group) - 1) / 2) * width
                med = float(np.median(fr))
                lo, hi = (min(fr), max(fr)) if inputs.spread == "range" else np.percentile(fr, [25, 75])
                ns.add(len(fr))
                name = line.label.split(" over ")[0]
                ax.bar(x, med, width=width * 0.92, color=line.style["color"], edgecolor="black", linewidth=0.3,
                       yerr=[[med - lo], [hi - med]] if len(fr) > 1 else None, error_kw={"elinewidth": 0.6},
                       label=name if name not in seen else None, hatch=line.style["hatch"])
                seen.add(name)
        ax.axhline(1.0, color="#333333", linestyle="--", linewidth=0.7, label="probe's peak")
        ax.set_xticks(range(len(variants)),
                      labels=[f"{v.short}\n(probe {per_group[v][0][2]:.2f} GB/s)" for v in variants])
        ax.set_ylabel("snapshot MB/s / probe's peak")
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", alpha=0.3)
        canvas.legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if ns == {1}:
        repeats = "one run per bar (N = 1), no error bars"
    else:
        n = f"N = {min(ns)}" if len(ns) == 1 else f"N = {min(ns)}-{max(ns)}"
        repeats = f"median of {n} repeats per bar, bars: {series.SPREADS[inputs.spread]}"
    return [Made(fig, used, repeats, notes, width="double")]
