"""Figure family `mempool`: mempool-offload's modes next to the fork baselines (rdb-fork, and
rdma-pingpong when the sweep has it) against the dataset's size, from the runs' snapshots and
recoveries, and the issue's targets as ratios measured in the same sweep.

Per (transport variant of the remote-memory runs, THP mode), one figure of six panels vs the
dataset's bytes (the harness's estimate, context.memory_estimate.dataset_bytes; log axes):
snapshot duration (begin to durable: fork + the child's time to its commit or rename; pause: the
pause up to the commit), recovery time (the recover phase), the foreground's stop (fork() or the
pause), COW bytes, foreground p99 during the snapshot, and snapshot MB/s as a fraction of the
transport's probe write bandwidth (a `baselines` probe of the sweep, same transport and link
model, 4 MiB writes over the run's channel count: what the issue's target is against; the targets
table adds the fraction of the probe's largest write size when it is at least 256 MiB, which
streams fresh memory as a snapshot does instead of rewriting a cache-warm buffer). rdb-fork
writes a local file: it is the same line in every transport's figure, named so.

mempool_targets.txt: per variant and size, rdb-fork's snapshot and recovery times over each
mempool mode's (targets 10x and 5x at about 4 GB), and the MB/s fraction (target 0.7). Nothing
is drawn from a run without the figure's value; shm and tcp are never called RDMA."""
import statistics

from . import identity, loader, style

FAMILY = "mempool"
TARGET_SNAPSHOT = 10.0
TARGET_RECOVERY = 5.0
TARGET_BANDWIDTH = 0.7
REMOTE = ("mempool-offload", "rdma-pingpong")
STREAM_BYTES = 256 << 20  # a probe size from which a write streams DRAM to DRAM


def dataset_bytes(result):
    v = ((result.context or {}).get("memory_estimate") or {}).get("dataset_bytes")
    return v if isinstance(v, (int, float)) and v > 0 else None


def snapshot_figures(result):
    """[(duration_ms, pause_ms, cow_bytes, mb_per_s)] of the run's ok snapshots."""
    out = []
    for p in result.phases():
        for s in p.get("snapshots") or []:
            if not s.get("ok"):
                continue
            x = s.get("extra") or {}
            fork_us, child = s.get("fork_us"), s.get("child_duration_ms")
            if child is None:
                continue
            if x.get("snapshot_mode") == "pause":
                duration, pause = child, (fork_us or 0) / 1e3
            else:
                duration, pause = (fork_us or 0) / 1e3 + child, (x.get("pause_us", fork_us or 0)) / 1e3
            out.append((duration, pause, s.get("cow_bytes"), x.get("mb_per_s")))
    return out


def recovery_ms(result):
    """The first ok recovery's time (the driver's measure of recover())."""
    for p in result.phases("recover"):
        rec = p.get("recovery") or {}
        if rec.get("ok") and isinstance(rec.get("duration_ms"), (int, float)):
            return rec["duration_ms"]
    return None


def p99_during_us(result):
    for p in result.phases("run"):
        d = (p.get("latency") or {}).get("during_snapshot") or {}
        if d.get("count") and d.get("p99_ns") is not None:
            return d["p99_ns"] / 1e3
    return None


def probe_write_gbps(probes, variant, channels, size=4 << 20, at_least=None):
    """The best write bandwidth (GB/s) the probe of `variant` measured over `channels` at `size`
    (or, with at_least, at the largest size >= at_least it has: a stream of fresh memory, not a
    cache-warm buffer written again and again)."""
    points = [p for r in probes if identity.transport_variant(r) == variant
              for p in (r.doc.get("probe") or {}).get("bandwidth") or []
              if p.get("op") == "write" and p.get("channels") == channels and p.get("gb_per_s")]
    if at_least is not None:
        sizes = [p["size_bytes"] for p in points if p.get("size_bytes", 0) >= at_least]
        if not sizes:
            return None
        size = max(sizes)
    vals = [p["gb_per_s"] for p in points if p.get("size_bytes") == size]
    return max(vals) if vals else None


def _median(xs):
    xs = [x for x in xs if isinstance(x, (int, float))]
    return statistics.median(xs) if xs else None


def _series(group, probes):
    """{engine key: {dataset bytes: {metric: value}}}."""
    lines = {}
    for r in group:
        size = dataset_bytes(r)
        snaps = snapshot_figures(r)
        if size is None:
            continue
        m = {"snapshot_ms": _median([s[0] for s in snaps]), "pause_ms": _median([s[1] for s in snaps]),
             "cow_bytes": _median([s[2] for s in snaps]), "recovery_ms": recovery_ms(r), "p99_us": p99_during_us(r)}
        mbps = _median([s[3] for s in snaps])
        if r.engine in REMOTE and mbps:
            variant, channels = identity.transport_variant(r), loader.config_value(r.config, "transport.channels") or 1
            gbps = probe_write_gbps(probes, variant, channels)
            m["bw_fraction"] = mbps / 1e3 / gbps if gbps else None
            stream = probe_write_gbps(probes, variant, channels, at_least=STREAM_BYTES)
            m["stream_fraction"] = mbps / 1e3 / stream if stream else None
        key = identity.engine_key(r) + ("" if r.engine in REMOTE else " (local file)")
        lines.setdefault(key, {})[size] = m
    return lines


PANELS = (("snapshot_ms", "snapshot duration (ms, begin to durable)", True),
          ("recovery_ms", "recovery time (ms)", True),
          ("pause_ms", "foreground stop: fork() or pause (ms)", True),
          ("cow_bytes", "COW bytes (child's Private_Dirty)", True),
          ("p99_us", "foreground p99 during the snapshot (us)", True),
          ("bw_fraction", "snapshot MB/s / probe write bandwidth", False))


def _figure(variant, thp, lines, outdir):
    fig, axes = style.new_figure(2, 3, figsize=(13.5, 7.6))
    drawn = False
    for ax, (metric, label, log) in zip([a for row in axes for a in row], PANELS):
        for key in sorted(lines):
            pts = sorted((s, m[metric]) for s, m in lines[key].items() if isinstance(m.get(metric), (int, float))
                         and m[metric] > 0)
            if not pts:
                continue
            drawn = True
            st = style.engine_style(key.split(" ")[0])
            ax.plot([s / 1e9 for s, _ in pts], [v for _, v in pts], label=key, color=st["color"], marker=st["marker"])
        if metric == "bw_fraction":
            ax.axhline(TARGET_BANDWIDTH, color="0.4", linestyle="--", linewidth=1, label=f"target {TARGET_BANDWIDTH}")
        ax.set_xscale("log")
        if log:
            ax.set_yscale("log")
        ax.set_xlabel("dataset (GB, harness estimate)")
        ax.set_ylabel(label, fontsize=8)
        ax.grid(alpha=0.3)
    if not drawn:
        return []
    axes[0][0].legend(fontsize=7)
    axes[1][2].legend(fontsize=7)
    title = f"mempool-offload vs the fork baselines over {variant.short}, by dataset size"
    label = style.context_label(variant.type, thp) + (f" ({variant.label})" if variant.link_gbps else "")
    return style.save(fig, outdir, f"{FAMILY}_vs_size_{style.safe_name(variant.short)}_thp-{style.safe_name(thp)}",
                      title, label)


def targets_text(variant, thp, lines):
    """The targets table of one variant as text lines."""
    base = next((v for k, v in lines.items() if k.startswith("rdb-fork")), {})
    out = [f"{variant.label}, THP {thp}: rdb-fork (local file) over mempool-offload, measured in this sweep"]
    for key in sorted(k for k in lines if k.startswith("mempool-offload")):
        for size in sorted(lines[key]):
            m, b = lines[key][size], base.get(size) or {}
            parts = [f"  {key} at {size / 1e9:.2f} GB:"]
            for metric, name, target in (("snapshot_ms", "snapshot", TARGET_SNAPSHOT),
                                         ("recovery_ms", "recovery", TARGET_RECOVERY)):
                if m.get(metric) and b.get(metric):
                    ratio = b[metric] / m[metric]
                    parts.append(f"{name} {b[metric]:.0f}/{m[metric]:.0f} ms = {ratio:.1f}x "
                                 f"(target {target:g}x: {'met' if ratio >= target else 'NOT met'})")
                else:
                    parts.append(f"{name} ratio n/a")
            if m.get("bw_fraction") is not None:
                f = m["bw_fraction"]
                parts.append(f"MB/s {f:.2f} of the probe's write bandwidth (target {TARGET_BANDWIDTH}: "
                             f"{'met' if f >= TARGET_BANDWIDTH else 'NOT met'})")
            else:
                parts.append("MB/s fraction n/a (no baseline probe of this transport)")
            if m.get("stream_fraction") is not None:
                parts.append(f"{m['stream_fraction']:.2f} of its streaming write bandwidth (the probe's largest size)")
            out.append(" ".join(parts[:1]) + " " + "; ".join(parts[1:]))
    return out


def draw(results, outdir):
    results = loader.as_results(results)
    probes = [r for r in results if r.kind == "probe-transport"]
    runs = [r for r in results if r.kind != "probe-transport" and r.engine in ("mempool-offload", "rdma-pingpong",
                                                                             "rdb-fork")]
    if not any(r.engine == "mempool-offload" for r in runs):
        style.say(FAMILY, "nothing to draw (no mempool-offload result)")
        return []
    local = [r for r in runs if r.engine not in REMOTE]
    groups = {}
    for r in runs:
        if r.engine in REMOTE:
            groups.setdefault((identity.transport_variant(r), r.thp_mode), []).append(r)
    paths, text = [], []
    for (variant, thp), group in sorted(groups.items(), key=lambda kv: (kv[0][0].sort_key, str(kv[0][1]))):
        if not any(r.engine == "mempool-offload" for r in group):
            continue
        lines = _series(group + [r for r in local if r.thp_mode == thp], probes)
        paths += _figure(variant, thp, lines, outdir)
        text += targets_text(variant, thp, lines)
    return paths + style.write_targets(FAMILY, outdir, text)
