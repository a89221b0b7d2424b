"""benchmarks/bench_aio.py runs end to end with tiny counts and gives every row
(no timing is judged here: benchmarks are not tests)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_bench_aio_measures_and_tabulates_every_row(box: Any) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import bench_aio
    finally:
        sys.path.remove(str(BENCHMARKS))
    rows = bench_aio.rows(bench_aio.run(box.emu, box.fx, rounds=1, budget=0.005))
    ids = [row["id"] for row in rows]
    assert ids == [
        "aio_herd_ccg_requests", "aio_herd_ccg_wall", "aio_herd_ccg_1000",
        "aio_herd_jwt_requests", "aio_herd_jwt_wall", "aio_herd_jwt_1000",
        "aio_cached_memory", "aio_cached_file", "aio_loop_stall",
    ]  # fmt: skip
    for row in rows:
        assert row["boxauth"] and not row["boxauth"].startswith("—"), row
    # The herd rows count token requests: exactly one each time.
    for rid in ("aio_herd_ccg_requests", "aio_herd_jwt_requests", "aio_herd_ccg_1000"):
        assert next(r for r in rows if r["id"] == rid)["met"] == "yes", rid
    assert "| asyncio herd, CCG" in bench_aio.table(rows)
