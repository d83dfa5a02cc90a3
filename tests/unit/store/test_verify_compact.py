"""`dataset verify` quarantine and `dataset compact` merging."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from apex_tui.core.recording import Compactor
from apex_tui.store.atomic import COMPACT_INTENT, remove_leftovers
from apex_tui.store.compact import compact
from apex_tui.store.coverage import coverage
from apex_tui.store.lake import Lake
from apex_tui.store.settings import DataSettings
from apex_tui.store.verify import verify
from tests.unit.store.builders import T0, minute_bars


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake.open(DataSettings(dir=str(tmp_path / "lake"), compact_min_rows=1_000))


def test_truncated_and_empty_files_are_quarantined(lake: Lake, tmp_path: Path) -> None:
    good = lake.bars.write_bars("AAPL", "1 min", "TRADES", minute_bars(50)).files[0]
    victim = lake.bars.write_bars("MSFT", "1 min", "TRADES", minute_bars(50)).files[0]
    data = Path(victim).read_bytes()
    Path(victim).write_bytes(data[: len(data) // 2])  # truncated: footer gone
    empty = Path(good).parent / "part-empty.parquet"
    empty.write_bytes(b"")
    report = verify(lake.root)
    assert not report.clean
    assert {Path(p.path).name for p in report.problems} == {Path(victim).name, "part-empty.parquet"}
    assert not Path(victim).exists() and not empty.exists() and Path(good).exists()
    for p in report.problems:
        assert p.moved_to is not None and Path(p.moved_to).exists()
        assert "/_quarantine/" in p.moved_to
    assert report.report_path is not None
    assert len(json.loads(Path(report.report_path).read_text())["problems"]) == 2
    # Quarantine is outside discovery: the dataset reads and a second verify is clean.
    assert lake.bars.read_bars("AAPL", "1 min").height == 50
    again = verify(lake.root)
    assert again.clean and again.files_checked == 1


def test_parquet_with_zero_rows_is_quarantined(lake: Lake) -> None:
    f = lake.bars.write_bars("AAPL", "1 min", "TRADES", minute_bars(5)).files[0]
    table = pq.read_table(f).slice(0, 0)
    pq.write_table(table, str(Path(f).parent / "part-zero.parquet"))
    report = verify(lake.root)
    assert [p.reason for p in report.problems] == ["no rows"]


def test_compact_merges_small_files_and_keeps_every_row(lake: Lake) -> None:
    for i in range(5):
        lake.bars.write_bars(
            "AAPL", "1 min", "TRADES", minute_bars(100, T0 + timedelta(minutes=100 * i))
        )
    lake.bars.write_bars("MSFT", "1 min", "TRADES", minute_bars(10))
    before = lake.bars.read_bars("AAPL", "1 min")
    report = compact(lake.bars, min_rows=1_000)
    assert (report.partitions, report.files_before, report.files_after, report.rows) == (
        1,
        5,
        1,
        500,
    )
    files = lake.bars.files({"symbol": "AAPL"})
    assert len(files) == 1
    meta = pq.read_metadata(files[0].path)
    assert meta.num_row_groups == 1 and meta.num_rows == 500
    assert lake.bars.read_bars("AAPL", "1 min").equals(before)
    assert len(lake.bars.files({"symbol": "MSFT"})) == 1  # a lone file is left alone
    assert compact(lake.bars, min_rows=1_000).partitions == 0  # idempotent


def test_interrupted_compaction_rolls_forward(lake: Lake) -> None:
    a = lake.bars.write_bars("AAPL", "1 min", "TRADES", minute_bars(10)).files[0]
    b = lake.bars.write_bars(
        "AAPL", "1 min", "TRADES", minute_bars(10, T0 + timedelta(hours=1))
    ).files[0]
    folder = Path(a).parent
    # Simulate a crash after the merged file was renamed in but before the old files went.
    pq.write_table(pq.read_table(a), str(folder / "part-merged.parquet"))
    (folder / COMPACT_INTENT).write_text(
        json.dumps({"new": "part-merged.parquet", "old": [Path(a).name, Path(b).name]})
    )
    removed = remove_leftovers(lake.root)
    assert sorted(removed) == sorted([a, b])
    assert sorted(p.name for p in folder.iterdir()) == ["part-merged.parquet"]


def test_coverage_lists_series_from_footers(lake: Lake) -> None:
    lake.bars.write_bars("AAPL", "1 min", "TRADES", minute_bars(30))
    lake.bars.write_bars("AAPL", "1 min", "TRADES", minute_bars(30, T0 + timedelta(hours=2)))
    rows = coverage(lake.root)
    assert len(rows) == 1
    row = rows[0]
    assert row.series == "bar_size=1min what_to_show=TRADES symbol=AAPL"
    assert (row.rows, row.files) == (60, 2)
    assert row.first == T0 and row.last == T0 + timedelta(hours=2, minutes=29)


async def test_the_engine_compactor_bounds_live_files(tmp_path: Path) -> None:
    """Live recording writes one small file per symbol per flush; the compactor merges them."""
    lake = Lake.open(DataSettings(dir=str(tmp_path)))
    for minute in range(6):
        rows = minute_bars(1, T0 + timedelta(minutes=minute))
        lake.bars.write_bars("AAPL", "1 min", "TRADES", rows)
    assert len(lake.bars.files()) == 6
    compactor = Compactor([lake.bars])
    await compactor.run()
    assert len(lake.bars.files()) == 1
    assert compactor.files_merged == 5
    assert lake.bars.read_bars("AAPL", "1 min").height == 6
