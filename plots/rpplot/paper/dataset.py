"""Workload figures read from a result's resolved config: the logical dataset size (keys and
values, in bytes) and the write rate of an open-loop run."""
from .. import loader, snapshot


def mean_value_bytes(value_size):
    """The mean value size of a dataset.value_size section, or None when it cannot be told."""
    if not isinstance(value_size, dict):
        return None
    dist = value_size.get("dist")
    if dist == "fixed":
        return _num(value_size.get("size"))
    if dist == "uniform":
        lo, hi = _num(value_size.get("min")), _num(value_size.get("max"))
        return (lo + hi) / 2 if lo is not None and hi is not None else None
    if dist == "buckets":
        buckets = value_size.get("buckets") or []
        total = sum(b[2] for b in buckets if len(b) == 3)
        if total <= 0:
            return None
        return sum((b[0] + b[1]) / 2 * b[2] for b in buckets if len(b) == 3) / total
    return None


def dataset_bytes(config):
    """dataset.keys x (key_size + mean value size): the bytes of keys and values the store holds
    (no per-key overhead), or None when the config does not say."""
    keys = _num(loader.config_value(config, "dataset.keys"))
    key_size = _num(loader.config_value(config, "dataset.key_size"))
    value = mean_value_bytes(loader.config_value(config, "dataset.value_size"))
    if keys is None or key_size is None or value is None:
        return None
    return keys * (key_size + value)


def write_rate(config):
    """Writes per second of an open-loop run: measure.rate x the write share of the mix (every op
    but read and scan); None in closed loop or without a rate or mix."""
    if loader.config_value(config, "measure.loop") != "open":
        return None
    rate = _num(loader.config_value(config, "measure.rate"))
    share = snapshot.write_fraction(config)
    return rate * share if rate is not None and share is not None else None


def _num(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
