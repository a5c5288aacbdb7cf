"""Figure 2: recovery time against the dataset size, one line per engine, log-log."""
from . import metrics
from .fig01_snapshot_duration import draw_vs_dataset

NUMBER = 2
SLUG = "recovery_time"
TITLE = "Recovery time vs dataset size"
DESCRIPTION = ("Time to rebuild the store from its latest snapshot in a fresh process (the recover "
               "phase), against the keys and values the store holds")


def make(inputs):
    return draw_vs_dataset(inputs, metrics.recovery_ms, "recovery (ms, log)", "a recovery")
