"""Choosing one point of a line: the dataset size nearest a target (figures 4 and 5 show each
engine at about 1 GB)."""
import math

from . import dataset

TARGET_BYTES = 1e9


def nearest_size(line, point_fields, target=TARGET_BYTES):
    """(results of the point whose dataset size is nearest `target` on a log scale, its size in
    bytes), or (None, None) when no point has a size."""
    best = None
    for group in line.points(point_fields):
        sizes = [dataset.dataset_bytes(r.config) for r in group]
        sizes = [s for s in sizes if s]
        if not sizes:
            continue
        size = sorted(sizes)[len(sizes) // 2]
        distance = abs(math.log(size / target))
        if best is None or distance < best[0]:
            best = (distance, group, size)
    return (best[1], best[2]) if best else (None, None)


def size_text(nbytes):
    return f"{nbytes / 1e9:.2g} GB" if nbytes >= 1e8 else f"{nbytes / 1e6:.3g} MB"
