"""The words around a paper figure: what it ran on (transport per engine, THP mode, machine,
build), drawn as the figure's context line and written into its caption. Only the verbs
transport is called RDMA (identity.TransportVariant.label)."""
from .. import contexts, identity


PROBE_NAMES = {"probe-fork": "the fork probe", "probe-faults": "the fault probe", "probe-transport": "the transport probe"}


def _who(result):
    if result.kind == "experiment":
        return identity.engine_key(result)
    return PROBE_NAMES.get(result.kind, result.kind)


def _variant(result):
    return identity.transport_variant(result) if result.kind in ("experiment", "probe-transport") else None


def transports_text(results):
    """'none (local) for rdb-fork, redis; shm (shared memory, no network) for rdma-pingpong/...'"""
    by_variant = {}
    for r in results:
        variant = _variant(r)
        label = variant.label if variant else "none (local)"
        sort = variant.sort_key if variant else (0,)
        entry = by_variant.setdefault(label, [sort, []])
        if _who(r) not in entry[1]:
            entry[1].append(_who(r))
    parts = [f"{label} for {', '.join(who)}" for label, (_, who) in sorted(by_variant.items(), key=lambda kv: kv[1][0])]
    return "transport: " + "; ".join(parts)


def _distinct(values):
    return " | ".join(dict.fromkeys(values)) or "unknown"


def thp_text(results):
    return "THP: " + _distinct(r.thp_mode for r in results)


def machine_text(results):
    def one(r):
        c = r.context
        mem = f", {c['memory_bytes'] / (1 << 30):.0f} GiB" if isinstance(c.get("memory_bytes"), int) else ""
        return (f"{c.get('host', 'unknown host')} ({c.get('cpu_model', '?')}, {c.get('cores', '?')} cores{mem}, "
                f"Linux {c.get('kernel', '?')})")
    return "machine: " + _distinct(one(r) for r in results)


def build_text(results):
    return "build: " + _distinct(f"{r.context.get('build_type', '?')} {str(r.context.get('git_commit', '?'))[:12]}"
                                 for r in results)


def short_machine(r):
    c = r.context
    return f"{c.get('host', 'unknown host')} ({c.get('cpu_model', '?')}, {c.get('cores', '?')} cores, Linux {c.get('kernel', '?')})"


def context_text(results):
    """The context line's content: the transports (the legend tells which engine ran on which),
    the THP mode, the machine."""
    variants = {}
    for r in results:
        v = _variant(r)
        variants.setdefault(v.short if v else "none", v.sort_key if v else (0,))
    transports = " / ".join(sorted(variants, key=variants.get))
    if any(name.startswith("shm") for name in variants):
        transports += " (shm: shared memory, no network)"
    if "none" in variants:
        transports += " (none: local)"
    return f"transport: {transports} | {thp_text(results)} | machine: {_distinct(short_machine(r) for r in results)}"


def caption(number, title, description, results, repeats, notes=(), mixed=""):
    """'Figure N. Title. Description. <repeats>. transport ...; THP ...; machine ...; build ...'"""
    parts = [f"Figure {number}. {title}.", description.rstrip(".") + "." if description else "",
             (repeats[0].upper() + repeats[1:] + ".") if repeats else "",
             f"{transports_text(results)}. {thp_text(results)}. {machine_text(results)}. {build_text(results)}."]
    if mixed:
        parts.append(f"MIXED CONTEXTS (drawn with --allow-mixed-contexts): {mixed}.")
    parts += [n.rstrip(".") + "." for n in notes]
    return " ".join(p for p in parts if p)


def mixed_text(results):
    return contexts.describe(results)
