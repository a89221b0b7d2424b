"""The benchmark command runs end to end with tiny counts and produces every row.

Benchmarks are not tests: nothing here looks at a timing. Without box_sdk_gen
(the test environment does not install boxsdk) its cells must say
"not installed" instead of failing.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EXPECTED_ROWS = {
    "import_wall",
    "import_modules",
    "import_rss",
    "import_bare",
    "cached_memory",
    "cached_file",
    "cached_file_cache",
    "fetch_ccg_p50",
    "fetch_ccg_p99",
    "fetch_jwt_p50",
    "fetch_jwt_p99",
    "floor_jwt_p50",
    "floor_jwt_p99",
    "herd_ccg_requests",
    "herd_ccg_wall",
    "herd_jwt_requests",
    "herd_jwt_wall",
    "herd_oauth_refreshes",
    "herd_oauth_invalid_grant",
    "herd_oauth_wall",
}

TINY = [
    "--quick",
    "--import-runs", "1",
    "--rounds", "1",
    "--budget", "0.005",
    "--fetches", "3",
    "--fetch-rounds", "1",
    "--herd-rounds", "1",
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
    rows = {row["id"]: row for row in doc["rows"]}
    assert set(rows) == EXPECTED_ROWS
    assert not doc["errors"]
    for rid, row in rows.items():
        assert not str(row["boxauth"]).startswith("error"), rid
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
    # The floor needs only boxauth's own dependencies, so it always runs.
    for rid in ("floor_jwt_p50", "floor_jwt_p99"):
        assert rows[rid]["other_name"] == "floor"
        assert rows[rid]["other"].endswith("ms"), rows[rid]
