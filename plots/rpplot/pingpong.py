"""Figure family `pingpong`: what the rdma-pingpong engine's snapshots report in
`snapshots[].extra` (engines/rdma_pingpong/snapshot_stream.cc).

- per (transport variant, THP mode): the overlap ratio (stream_ms / max(serialize_ms,
  transfer_ms); 1.0 = the slower of serialization and transfer hides the other entirely) against
  engine.buffer_bytes, one line per fork mode and channel count, mean over the snapshots of the
  runs at each size, the issue's target (1.15) dashed;
- per run: the phases of each snapshot on the child's clock (connect, buffer set-up, streaming,
  last writes, commit) as a horizontal bar, with the serialize and transfer times beside it.
A figure never mixes transports, link models or THP modes; shm and tcp are never called RDMA."""
from . import identity, loader, style

FAMILY = "pingpong"
TARGET_OVERLAP = 1.15
PHASES = (("connected", "connect", "C1"), ("buffers_ready", "buffer set-up", "C7"),
          ("stream_end", "stream (serialize + hand-off)", "C0"), ("data_complete", "last writes", "C2"),
          ("committed", "commit", "C3"))


def _snapshots(result):
    """The ok pingpong snapshots of a run, with their extra."""
    out = []
    for p in result.phases():
        for s in p.get("snapshots") or []:
            x = s.get("extra") or {}
            if s.get("ok") and x.get("overlap_ratio") is not None:
                out.append((f"{p.get('name')}#{s.get('index')}", x))
    return out


def _line_key(result):
    mode = loader.config_value(result.config, "engine.fork_mode") or "child-connect"
    channels = loader.config_value(result.config, "transport.channels") or 1
    return f"{mode}, {channels} channel{'s' if channels != 1 else ''}"


def _overlap_vs_buffer(variant, thp, group, outdir):
    lines = {}
    for r in group:
        size = loader.config_value(r.config, "engine.buffer_bytes")
        ratios = [x["overlap_ratio"] for _, x in _snapshots(r)]
        if isinstance(size, (int, float)) and ratios:
            lines.setdefault(_line_key(r), {}).setdefault(size, []).extend(ratios)
    if not any(len(v) >= 2 for v in lines.values()):
        return []
    fig, axes = style.new_figure(figsize=(6.8, 4.2))
    ax = axes[0][0]
    for i, (label, points) in enumerate(sorted(lines.items())):
        xs = sorted(points)
        ax.plot([x / 1024 for x in xs], [sum(points[x]) / len(points[x]) for x in xs], marker="o",
                color=f"C{i % 10}", label=label)
    ax.axhline(TARGET_OVERLAP, color="0.4", linestyle="--", linewidth=1, label=f"target {TARGET_OVERLAP}")
    ax.axhline(1.0, color="0.7", linestyle=":", linewidth=1)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("buffer size (KiB, engine.buffer_bytes)")
    ax.set_ylabel("overlap ratio: stream / max(serialize, transfer)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    title = f"rdma-pingpong overlap ratio vs buffer size over {variant.short}"
    label = style.context_label(variant.type, thp) + (f" ({variant.label})" if variant.link_gbps else "")
    return style.save(fig, outdir, f"{FAMILY}_overlap_{style.safe_name(variant.short)}_thp-{style.safe_name(thp)}",
                      title, label)


def _phases(result, outdir):
    snaps = _snapshots(result)
    if not snaps:
        return []
    fig, axes = style.new_figure(figsize=(8.0, 2.4 + 0.5 * len(snaps)))
    ax = axes[0][0]
    seen = set()
    for y, (name, x) in enumerate(snaps):
        at = x.get("phases_ms") or {}
        start = 0.0
        for key, label, colour in PHASES:
            end = at.get(key)
            if end is None:
                continue
            ax.barh(y, end - start, left=start, color=colour, label=None if label in seen else label)
            seen.add(label)
            start = end
        ax.text(start, y, f"  serialize {x['serialize_ms']:.0f} ms, transfer {x['transfer_ms']:.0f} ms, "
                f"wait {x['wait_ms']:.1f} ms, overlap {x['overlap_ratio']:.2f}", va="center", fontsize=7)
    ax.set_yticks(range(len(snaps)), labels=[n for n, _ in snaps], fontsize=8)
    ax.set_xlabel("ms since the snapshot child started (fork time not included)")
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.02), ncol=len(seen), frameon=False)
    ax.margins(x=0.45)
    title = f"Phases of the snapshots of {result.run} ({identity.engine_key(result)})"
    return style.save(fig, outdir, f"{FAMILY}_phases_{result.run}", title, style.result_label(result))


def draw(results, outdir):
    results = [r for r in loader.as_results(results) if r.engine == "rdma-pingpong" and _snapshots(r)]
    if not results:
        style.say(FAMILY, "nothing to draw (no rdma-pingpong result with a snapshot)")
        return []
    paths = []
    groups = {}
    for r in results:
        groups.setdefault((identity.transport_variant(r), r.thp_mode), []).append(r)
    for (variant, thp), group in groups.items():
        paths += _overlap_vs_buffer(variant, thp, group, outdir)
    for r in results:
        paths += _phases(r, outdir)
    return paths
