"""Figure family `transport`: what `rpbench probe transport` measured, one figure per
probe-transport result, in the manner of perftest's ib_write_bw / ib_write_lat.

Left: bandwidth (GB/s = 10^9 bytes/s) against transfer size, one solid line per op x channels x
queue depth and the run's own baseline (memcpy for shm, a raw socket stream for tcp) dashed.
Right: latency percentiles (p50, p99, max; queue depth 1, one channel) against size, one colour per
op. The figure names the transport the way style.py does: only `verbs` is called RDMA."""
from matplotlib.ticker import NullLocator

from . import loader, style

FAMILY = "transport"

_BASELINE_NAMES = {"memcpy": "baseline: memcpy (1 thread)", "socket_stream": "baseline: raw socket stream"}
_PERCENTILES = (("p50_ns", "-", "o"), ("p99_ns", "--", "s"), ("max_ns", ":", "^"))


def _size_label(size):
    for shift, unit in ((30, "G"), (20, "M"), (10, "K")):
        if size >= (1 << shift) and size % (1 << shift) == 0:
            return f"{size >> shift}{unit}"
    return str(size)


def _size_axis(ax, sizes):
    """Log2 x axis with the measured sizes as ticks, labelled 4K, 1M, ..."""
    ax.set_xscale("log", base=2)
    sizes = sorted(set(sizes))
    if sizes:
        ax.set_xticks(sizes)
        ax.set_xticklabels([_size_label(s) for s in sizes], fontsize=7)
        ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("transfer size (bytes, log2)")


def _bandwidth_panel(ax, probe):
    series = {}
    for p in probe.get("bandwidth") or []:
        key = (p["op"], p["channels"], p["queue_depth"])
        series.setdefault(key, []).append(p)
    ops = sorted({k[0] for k in series}, key=lambda o: (o != "write", o))
    configs = sorted({k[1:] for k in series})
    markers = "osD^v<>ph*"
    for i, key in enumerate(sorted(series, key=lambda k: (ops.index(k[0]), configs.index(k[1:])))):
        op, channels, qd = key
        pts = sorted(series[key], key=lambda p: p["size_bytes"])
        color = f"C{configs.index((channels, qd)) % 10}"
        ax.plot([p["size_bytes"] for p in pts], [p["gb_per_s"] for p in pts], color=color,
                marker=markers[ops.index(op) % len(markers)], markersize=4,
                alpha=1.0 if op == "write" else 0.6,
                label=f"{op}, {channels} ch, qd {qd}")
    baseline = probe.get("baseline")
    if baseline and baseline.get("points"):
        pts = sorted(baseline["points"], key=lambda p: p["size_bytes"])
        ax.plot([p["size_bytes"] for p in pts], [p["gb_per_s"] for p in pts], color="black", linestyle="--",
                linewidth=1.6, label=_BASELINE_NAMES.get(baseline.get("kind"), "baseline"))
    elif probe.get("baseline_reason"):
        ax.text(0.02, 0.02, f"no baseline: {probe['baseline_reason']}", transform=ax.transAxes, fontsize=6,
                va="bottom", wrap=True)
    _size_axis(ax, [p["size_bytes"] for p in probe.get("bandwidth") or []])
    ax.set_yscale("log")
    ax.set_ylabel("bandwidth (GB/s = 10^9 B/s, log)")
    ax.set_title("bandwidth", fontsize=9)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=6, ncol=2)


def _latency_panel(ax, probe):
    by_op = {}
    for entry in probe.get("latency") or []:
        if (entry.get("latency") or {}).get("count"):
            by_op.setdefault(entry["op"], []).append(entry)
    for i, (op, entries) in enumerate(sorted(by_op.items(), key=lambda kv: (kv[0] != "write", kv[0]))):
        entries.sort(key=lambda e: e["size_bytes"])
        sizes = [e["size_bytes"] for e in entries]
        for key, linestyle, marker in _PERCENTILES:
            ax.plot(sizes, [e["latency"][key] / 1000.0 for e in entries], color=f"C{i}", linestyle=linestyle,
                    marker=marker, markersize=3, label=f"{op} {key[:-3]}")
    _size_axis(ax, [e["size_bytes"] for entries in by_op.values() for e in entries])
    ax.set_yscale("log")
    ax.set_ylabel("post to completion (µs, log)")
    ax.set_title("latency (queue depth 1, one channel)", fontsize=9)
    ax.grid(alpha=0.3, which="both")
    if by_op:
        ax.legend(fontsize=6)


def _summary_text(probe):
    """One line per summary: the judged configuration's ratio to the baseline (median over sizes
    >= 1 MiB, else at the largest size, as the probe judges it) and the target's verdict."""
    parts = []
    for s in probe.get("summary") or []:
        ratio, where = s.get("median_ratio_min_1mib"), "median >= 1M"
        if ratio is None:
            ratio, where = s.get("ratio_at_largest_size"), "at the largest size"
        if ratio is None:
            continue
        text = (f"{s['op']} {ratio:.2f}x baseline ({where}, {s.get('judged_channels', '?')} ch, "
                f"qd {s.get('judged_queue_depth', '?')})")
        if s.get("target_ratio") is not None:
            text += f", target {s['target_ratio']:.2f}: {'met' if s.get('target_met') else 'NOT met'}"
        elif s.get("target_note"):
            text += f", {s['target_note']}"
        parts.append(text)
    return "; ".join(parts)


def draw(results, outdir):
    paths = []
    for r in loader.as_results(results):
        if r.kind != "probe-transport":
            continue
        probe = r.doc.get("probe") or {}
        if not probe.get("bandwidth") and not probe.get("latency"):
            continue
        fig, axes = style.new_figure(1, 2, figsize=(11.0, 4.6))
        _bandwidth_panel(axes[0][0], probe)
        _latency_panel(axes[0][1], probe)
        transport = (probe.get("transport") or {}).get("type") or r.transport
        title = f"{style.transport_label(transport)}: bandwidth and latency vs size"
        summary = _summary_text(probe)
        if summary:
            title += f"\n{summary}"
        paths += style.save(fig, outdir, f"{FAMILY}_{r.run}", title, style.result_label(r))
    if not paths:
        style.say(FAMILY, "nothing to draw (no probe-transport result)")
    return paths
