"""The paper's numbered figures, in order. Each module: NUMBER, SLUG, TITLE, DESCRIPTION, make()."""
from . import (fig01_snapshot_duration, fig02_recovery, fig03_tail_latency, fig04_latency_cdf, fig05_timeline,
               fig06_fork_pause, fig07_cow, fig08_bandwidth_fraction, fig09_paged_kv, fig10_transport_probe)

FIGURES = (fig01_snapshot_duration, fig02_recovery, fig03_tail_latency, fig04_latency_cdf, fig05_timeline,
           fig06_fork_pause, fig07_cow, fig08_bandwidth_fraction, fig09_paged_kv, fig10_transport_probe)
BY_NUMBER = {m.NUMBER: m for m in FIGURES}


def stem(module, part=""):
    return f"fig{module.NUMBER:02d}_{module.SLUG}" + (f"_{part}" if part else "")
