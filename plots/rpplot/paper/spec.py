"""What a figure module takes and gives back.

A figure module has NUMBER, SLUG, TITLE, DESCRIPTION and make(inputs) -> [Made]: it draws from
the results of the sweeps and probes the paper's manifest declares for it, raises NoData (with
what is missing) when there is nothing honest to draw, and lets contexts.MixedContextError out
when a line would mix contexts. The runner (paper/build.py) adds the context line and caption,
saves the files and writes the report.
"""
from dataclasses import dataclass, field


class NoData(Exception):
    """Nothing to draw; the message says what the figure found missing."""


@dataclass
class FigureInputs:
    experiments: list
    probes: list
    allow_mixed: bool = False
    spread: str = "range"


@dataclass
class Made:
    """One drawn figure (or one part of a figure drawn as several files)."""
    fig: object
    results: list                      # every result the figure drew from
    repeats: str = ""                  # 'median of N = 3 repeats per point, bars: min to max'
    notes: list = field(default_factory=list)
    part: str = ""                     # '' or a file-name suffix for a multi-file figure ('a-rdb-fork')
    part_title: str = ""               # what the part shows ('rdb-fork')
    width: str = "single"
