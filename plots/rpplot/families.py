"""The figure families by name, in drawing order. Each is a module with
draw(results, outdir) -> [paths] that draws nothing (and says so) when it has no data."""
from . import (compare, fault_cdf, latency, loader, mempool, paged, pingpong, probe_fork, snapshot, throughput, timeline,
               transport)

FAMILIES = {
    "throughput": throughput,
    "latency": latency,
    "snapshot": snapshot,
    "timeline": timeline,
    "compare": compare,
    "probe_fork": probe_fork,
    "fault_cdf": fault_cdf,
    "transport": transport,
    "pingpong": pingpong,
    "mempool": mempool,
    "paged": paged,
}


def parse_families(names):
    """Family names (a list or a comma-separated string) -> list of names; raises ValueError on
    an unknown one. None or empty means all."""
    if names is None:
        return list(FAMILIES)
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        raise ValueError(f"unknown figure famil{'y' if len(unknown) == 1 else 'ies'} "
                         f"{', '.join(unknown)}; known: {', '.join(FAMILIES)}")
    return list(names) if names else list(FAMILIES)


def draw_families(results, outdir, names=None):
    """Draws the named families (all by default) for the results; returns {family: [paths]}."""
    results = loader.as_results(results)
    return {name: FAMILIES[name].draw(results, outdir) for name in parse_families(names)}
