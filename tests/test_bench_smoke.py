"""`make bench` keeps working: every benchmark runs at smoke sizes and returns figures.

No time is asserted here (machines are noisy); the figures live in bench/RESULTS.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_every_benchmark_runs_at_smoke_size(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    report = out.read_text()
    modules = sorted(p.stem for p in (REPO / "bench").glob("bench_*.py"))
    for module in modules:
        assert f"## {module}" in report, f"{module} missing from the report"
    assert "FAILED" not in report
    # A figure whose instrumentation missed the code it wraps (a renamed method, say) comes
    # out as NaN rather than failing: the tick-to-screen probe once did, silently, for a run.
    rows = [line.split("|") for line in report.splitlines() if line.startswith("| ")]
    empty = [cells[1].strip() for cells in rows if cells[2].strip().startswith("nan")]
    assert not empty, f"figures with no measurement: {empty}"
