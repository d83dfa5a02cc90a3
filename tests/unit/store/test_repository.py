"""Repository: dedupe on key, idempotence, schema checks, partition layout, reads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from apex_tui.domain.errors import StorageError, ValidationError
from apex_tui.domain.quotes import BarRecord
from apex_tui.store.bars import bars_table, bars_table_of
from apex_tui.store.lake import Lake
from apex_tui.store.settings import DataSettings
from tests.unit.store.builders import T0, minute_bars, tick_table


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake.open(DataSettings(dir=str(tmp_path / "lake")))


def test_overlapping_writes_leave_one_row_per_key(lake: Lake) -> None:
    first = lake.bars.write_bars("AAPL", "1 min", "TRADES", minute_bars(60))
    # Minutes 30..89 overlap 30 stored minutes and add 30 new ones.
    second = lake.bars.write_bars(
        "AAPL", "1 min", "TRADES", minute_bars(60, T0 + timedelta(minutes=30))
    )
    assert (first.rows_written, second.rows_written, second.duplicates) == (60, 30, 30)
    df = lake.bars.read_bars("AAPL", "1 min")
    assert df.height == 90
    assert df["time"].n_unique() == 90
    assert df["time"].is_sorted()


def test_rewriting_the_same_history_is_a_no_op(lake: Lake) -> None:
    lake.bars.write_bars("AAPL", "1 min", "TRADES", minute_bars(100))
    again = lake.bars.write_bars("AAPL", "1 min", "TRADES", minute_bars(100, close=99.0))
    assert again.rows_written == 0 and again.files == ()
    df = lake.bars.read_bars("AAPL", "1 min")
    assert df.height == 100
    assert set(df["close"].to_list()) == {10.5}  # the stored row wins


def test_duplicates_inside_one_write_keep_the_last(lake: Lake) -> None:
    rows = minute_bars(3) + minute_bars(1, close=42.0)
    res = lake.bars.write_bars("AAPL", "1 min", "TRADES", rows)
    assert (res.rows_written, res.duplicates) == (3, 1)
    df = lake.bars.read_bars("AAPL", "1 min")
    assert df.filter(df["time"] == T0)["close"].to_list() == [42.0]


def test_series_are_independent_keys(lake: Lake) -> None:
    lake.bars.write_bars("AAPL", "1 min", "TRADES", minute_bars(10))
    res = lake.bars.write_bars("AAPL", "1 min", "MIDPOINT", minute_bars(10))
    res2 = lake.bars.write_bars("MSFT", "1 min", "TRADES", minute_bars(10))
    assert res.rows_written == 10 and res2.rows_written == 10


def test_hive_layout_and_file_schema(lake: Lake) -> None:
    res = lake.bars.write_bars("BRK B", "5 mins", "TRADES", minute_bars(3))
    rel = Path(res.files[0]).relative_to(Path(lake.root.base))
    assert rel.parts[:5] == (
        "bars",
        "bar_size=5mins",
        "what_to_show=TRADES",
        "symbol=BRK B",
        "year=2026",
    )
    schema = pq.read_schema(res.files[0])
    assert "symbol" not in schema.names and schema.field("time").type == pa.timestamp(
        "ns", tz="UTC"
    )
    assert schema.field("volume").type == pa.int64()


def test_read_range_is_half_open(lake: Lake) -> None:
    lake.bars.write_bars("AAPL", "1 min", "TRADES", minute_bars(60))
    df = lake.bars.read_bars(
        "AAPL", "1 min", start=T0 + timedelta(minutes=10), end=T0 + timedelta(minutes=20)
    )
    assert df.height == 10
    assert df["time"].min() == T0 + timedelta(minutes=10)


def test_unknown_series_reads_empty_with_schema(lake: Lake) -> None:
    df = lake.bars.read_bars("ZZZZ", "1 min")
    assert df.height == 0 and "close" in df.columns


def test_schema_mismatch_is_refused(lake: Lake) -> None:
    table = bars_table("AAPL", "1 min", "TRADES", minute_bars(2)).drop_columns(["wap"])
    with pytest.raises(StorageError, match="missing \\['wap'\\]"):
        lake.bars.write(table)


def test_lower_case_symbol_column_is_refused(lake: Lake) -> None:
    table = bars_table("AAPL", "1 min", "TRADES", minute_bars(2))
    table = table.set_column(0, "symbol", pa.array(["aapl", "aapl"]))
    with pytest.raises(ValidationError):
        lake.bars.write(table)


def test_ticks_are_append_only_and_filtered_by_symbol(lake: Lake) -> None:
    t = tick_table(1_000)
    lake.ticks.write(t)
    lake.ticks.write(t)  # two identical ticks are both real: no dedupe
    aapl = lake.ticks.read_ticks("AAPL")
    expected = 2 * sum(1 for s in t["symbol"].to_pylist() if s == "AAPL")
    assert aapl.height == expected
    assert set(aapl["symbol"].to_list()) == {"AAPL"}
    files = lake.ticks.files()
    assert [f.partition for f in files] == [{"date": "2026-11-02"}] * 2


def test_a_table_of_many_symbols_holds_what_one_table_per_symbol_holds() -> None:
    bars = [
        BarRecord(sym, T0 + timedelta(minutes=m), 1.0 + i, 2.0 + i, 0.5, 1.5 + m, 100.0 * i, 1.2, i)
        for m in range(2)
        for i, sym in enumerate(("AAPL", "msft", "BRK.B"))
    ]
    together = bars_table_of("1 min", "TRADES", bars)
    separate = pa.concat_tables(
        [bars_table(sym, "1 min", "TRADES", [b for b in bars if b.symbol == sym])
         for sym in ("AAPL", "msft", "BRK.B")]
    )  # fmt: skip
    order = [("symbol", "ascending"), ("time", "ascending")]
    assert together.sort_by(order).equals(separate.sort_by(order))
    assert set(together["symbol"].to_pylist()) == {"AAPL", "MSFT", "BRK.B"}  # canonical


def test_a_table_of_many_symbols_refuses_a_bad_one_by_name() -> None:
    bars = [BarRecord(s, T0, 1.0, 1.0, 1.0, 1.0, 1.0) for s in ("AAPL", "../etc")]
    with pytest.raises(ValidationError, match="etc"):
        bars_table_of("1 min", "TRADES", bars)
