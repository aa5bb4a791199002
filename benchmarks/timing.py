"""Timing helpers shared by the benchmark sections: per-call samples, median and p99, tables."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any


def measure(fn: Callable[[int], Any], count: int, warmup: int, errors: list[str]) -> list[int]:
    """Call ``fn(i)`` ``warmup + count`` times; return the ``count`` timed calls (ns), warm-up
    calls excluded. A call that raises is not timed; its error is appended to ``errors``."""
    samples = []
    for i in range(warmup + count):
        started = time.perf_counter_ns()
        try:
            fn(i)
        except Exception as e:  # noqa: BLE001  counted and reported by the caller, never dropped
            errors.append(f"call {i}: {type(e).__name__}: {str(e)[:300]}")
            continue
        elapsed = time.perf_counter_ns() - started
        if i >= warmup:
            samples.append(elapsed)
    return samples


def summary(samples_ns: Sequence[int]) -> dict[str, float]:
    """Median and p99 in milliseconds, and how many calls were timed."""
    if not samples_ns:
        return {"n": 0, "median_ms": float("nan"), "p99_ms": float("nan")}
    ms = sorted(s / 1e6 for s in samples_ns)
    p99 = ms[min(len(ms) - 1, max(0, round(0.99 * len(ms)) - 1))]
    return {"n": len(ms), "median_ms": statistics.median(ms), "p99_ms": p99}


def time_once(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.ljust(widths[0]) if i == 0 else v.rjust(widths[i])
                         for i, v in enumerate(values)).rstrip()

    out = [f"== {title} ==", line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def scale_label(n: int) -> str:
    """1000 -> '1k', 100000 -> '100k', 1000000 -> '1M', 200 -> '200'."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)
