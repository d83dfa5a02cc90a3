"""Bad symbols are refused before any filesystem call, through every repository entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from apex_tui.domain.errors import ValidationError
from apex_tui.store.lake import Lake
from apex_tui.store.settings import DataSettings
from tests.unit.store.builders import minute_bars

BAD = ["../etc", "..", "A/B", "A\\B", "", "   ", "AB\x00", "A\nB", "AAPL/../../x", "ÄPL", "A" * 13]


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake.open(DataSettings(dir=str(tmp_path / "lake")))


def _tree(root: Path) -> set[Path]:
    return set(root.rglob("*")) if root.exists() else set()


@pytest.mark.parametrize("symbol", BAD)
def test_write_refuses_bad_symbol_and_touches_nothing(
    lake: Lake, tmp_path: Path, symbol: str
) -> None:
    before = _tree(tmp_path)
    with pytest.raises(ValidationError):
        lake.bars.write_bars(symbol, "1 min", "TRADES", minute_bars(1))
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("symbol", BAD)
def test_read_refuses_bad_symbol(lake: Lake, symbol: str) -> None:
    with pytest.raises(ValidationError):
        lake.bars.read_bars(symbol, "1 min")
    with pytest.raises(ValidationError):
        lake.ticks.read_ticks(symbol)


@pytest.mark.parametrize(
    ("what", "size"), [("TRADES/..", "1 min"), ("TRADES", "../1 min"), ("trades x", "1 min")]
)
def test_other_partition_values_are_checked_too(lake: Lake, what: str, size: str) -> None:
    with pytest.raises(ValidationError):
        lake.bars.write_bars("AAPL", size, what, minute_bars(1))


def test_good_symbol_with_inner_space_and_dot(lake: Lake) -> None:
    assert lake.bars.write_bars("BRK B", "1 min", "TRADES", minute_bars(1)).rows_written == 1
    assert lake.bars.write_bars("BF.B", "1 min", "TRADES", minute_bars(1)).rows_written == 1
