"""The benchmark command runs end to end with tiny counts and produces every row
README's table shows.

Benchmarks are not tests: nothing here looks at a timing. Without box_sdk_gen
(the test environment does not install boxsdk) its cells must say
"not installed" instead of failing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _label(case: str) -> str:
    """A row's case without its note, with numbers (counts per round) as N."""
    return re.sub(r"\d[\d,.]*", "N", case.split(" — *", maxsplit=1)[0].strip())


def readme_rows() -> list[str]:
    """The case column of README's benchmark table."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Performance") :]
    section = section[: section.index("\n## ", 1)]
    lines = [ln for ln in section.splitlines() if ln.startswith("| ")]
    assert lines[0].startswith("| case |") and lines[1].startswith("| --- |"), lines[:2]
    return [_label(ln.split(" | ")[0].removeprefix("| ")) for ln in lines[2:]]


TINY = [
    "--quick",
    "--import-runs", "1",
    "--rounds", "1",
    "--budget", "0.005",
    "--fetches", "3",
    "--fetch-rounds", "1",
    "--herd-rounds", "1",
    "--redis-trials", "1",
]  # fmt: skip


def test_benchmark_command_produces_every_row(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), *TINY, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    doc = json.loads(out.read_text())
    assert not doc["errors"]
    rows = {row["id"]: row for row in doc["rows"]}
    assert len(rows) == len(doc["rows"]), "row ids must be unique"
    # Every row README shows is produced, in README's order, and no other.
    assert [_label(row["case"]) for row in doc["rows"]] == readme_rows()
    # The Redis rows need a redis-server; where the suite may run without one
    # (BOXAUTH_REQUIRE_REDIS unset and none installed) they say so instead.
    redis_missing = shutil.which("redis-server") is None and not os.environ.get(
        "BOXAUTH_REQUIRE_REDIS"
    )
    for rid, row in rows.items():
        assert not str(row["boxauth"]).startswith("error"), rid
        if redis_missing and rid.startswith("redis_"):
            assert row["boxauth"] == "not installed", rid
            continue
        assert row["boxauth"] not in ("", "—", "not installed"), rid
        assert row["case"] in done.stdout, rid  # the printed table has the row too
    assert doc["machine"]["nproc"] >= 1
    assert doc["machine"]["python"]

    sdk_rows = [r for r in rows.values() if r["other_name"] == "box_sdk_gen"]
    assert sdk_rows
    if importlib.util.find_spec("box_sdk_gen") is None:
        for row in sdk_rows:
            assert row["other"] == "not installed", row["id"]
    else:
        for row in sdk_rows:
            assert not str(row["other"]).startswith("error"), row["id"]
    # Each child's peak RSS is its own: a bare interpreter needs less than one
    # that imports boxauth. (ru_maxrss carried the benchmark's own peak into
    # every child, so both read the same figure.)
    cold = doc["results"]["cold import"]
    assert cold["bare"]["peak_rss_mib"]["max"] < cold["boxauth"]["peak_rss_mib"]["min"], cold
    # The floor needs only boxauth's own dependencies, so it always runs.
    for rid in ("floor_jwt_p50", "floor_jwt_p99"):
        assert rows[rid]["other_name"] == "floor"
        assert rows[rid]["other"].endswith("ms"), rows[rid]
    # Every group runs with the emulator's clock at real time: one group's
    # clock advance must not add a clock-skew retry to the next group's count.
    for rid in ("aio_herd_jwt_requests", "aio_herd_ccg_requests"):
        assert rows[rid]["met"] == "yes", rows[rid]
