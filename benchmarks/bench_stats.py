"""Small statistics and timing helpers shared by the benchmark cases.

Every figure is a median over repeated runs (rounds), reported with its min
and max. Ratios are taken between figures measured in the same process run,
with the two sides interleaved round by round, because absolute times drift
on a shared machine.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

NOT_INSTALLED = "not installed"


def summary(values: Sequence[float]) -> dict[str, float]:
    """median, min, max (and n) of a list of per-round figures."""
    vals = [float(v) for v in values]
    if not vals:
        return {"median": math.nan, "min": math.nan, "max": math.nan, "n": 0}
    return {
        "median": statistics.median(vals),
        "min": min(vals),
        "max": max(vals),
        "n": len(vals),
    }


def paired(ours: Sequence[float], other: Sequence[float]) -> dict[str, float] | None:
    """summary() of ours[i] / other[i]: each ratio within one round, the two
    sides measured back to back, so drift between rounds cancels out. None
    when no round gives a finite ratio (a side missing, a zero, a NaN)."""
    ratios = [
        a / b
        for a, b in zip(ours, other, strict=True)
        if math.isfinite(a) and math.isfinite(b) and b != 0
    ]
    return summary(ratios) if ratios else None


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an already sorted list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return float(sorted_values[min(rank, len(sorted_values)) - 1])


def calibrate(fn: Callable[[], Any], budget: float, floor_calls: int = 50) -> int:
    """How many calls of ``fn`` fit in about ``budget`` seconds (at least ``floor_calls``)."""
    n = 0
    start = time.perf_counter()
    probe = min(0.02, budget / 4)
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= probe and n >= 5:
            break
    per_call = elapsed / n
    return max(floor_calls, int(budget / per_call))


def time_calls(fn: Callable[[], Any], calls: int) -> float:
    """Seconds per call of ``fn`` over ``calls`` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def latencies(fn: Callable[[], Any], count: int) -> list[float]:
    """Each call timed on its own, in seconds, sorted."""
    out = []
    clock = time.perf_counter
    for _ in range(count):
        t0 = clock()
        fn()
        out.append(clock() - t0)
    out.sort()
    return out


# -- formatting -----------------------------------------------------------------


def fmt_range(s: dict[str, float] | None, unit: str, scale: float = 1.0, digits: int = 2) -> str:
    """'median (min–max) unit'; a single value when min == max."""
    if s is None:
        return "—"
    med, lo, hi = (s["median"] * scale, s["min"] * scale, s["max"] * scale)
    if any(math.isnan(x) for x in (med, lo, hi)):
        return "—"

    def f(x: float) -> str:
        if abs(x) >= 100 or float(x).is_integer():
            return f"{x:,.0f}"
        return f"{x:.{digits}f}"

    if s.get("n", 1) <= 1 or lo == hi:
        return f"{f(med)} {unit}".strip()
    return f"{f(med)} ({f(lo)}–{f(hi)}) {unit}".strip()


def fmt_ratio(r: float | None) -> str:
    if r is None or math.isnan(r):
        return "—"
    if r >= 100:
        return f"{r:,.0f}×"
    if r < 0.1:
        return f"{r:.2g}×"
    return f"{r:.2f}×"


def finite(obj: Any) -> Any:
    """NaN and infinities become None, so the JSON is strict."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    return obj
