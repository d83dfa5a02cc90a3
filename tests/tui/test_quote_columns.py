"""Quotes row cells: the one-call row formatter gives what the per-column path gives."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from apex_tui.domain.quotes import Quote
from apex_tui.tui.panes.quote_columns import COLUMNS, cell_text, fit, row_cells

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
NAN = math.nan

QUOTES = [
    Quote(symbol="AAPL", bid=189.98, ask=190.02, last=190.0, volume=12_345_678.0, close=187.5,
          time=NOW - timedelta(seconds=2)),
    Quote(symbol="BRK.B", bid=NAN, ask=NAN, last=NAN, volume=NAN, close=NAN, time=None),
    Quote(symbol="LONGSYMBOL", bid=123_456.0, ask=99_999.5, last=10_000.0, volume=999.0,
          close=20_000.0, time=NOW - timedelta(minutes=7)),
    Quote(symbol="X", bid=0.0, ask=-1.0, last=1.0, volume=1_500.0, close=1_000.0,
          time=NOW - timedelta(hours=3), stale=True),
    Quote(symbol="DOWN", bid=50.0, ask=50.5, last=40.0, volume=2e9, close=80.0, time=NOW),
]  # fmt: skip
SPARKS = [(), (1.0, 2.0, 3.0), (NAN, 5.0, 5.0), tuple(float(i % 7) for i in range(30))]


@pytest.mark.parametrize("quote", QUOTES, ids=lambda q: q.symbol)
@pytest.mark.parametrize("spark", SPARKS, ids=lambda s: f"spark{len(s)}")
def test_row_cells_match_the_column_by_column_texts(quote: Quote, spark: tuple[float, ...]) -> None:
    expected = [
        fit(cell_text(col, quote, NOW, spark), col.width, left=col.key in ("symbol", "spark"))
        for col in COLUMNS
    ]
    cells = row_cells(quote, NOW, spark)
    assert cells == expected
    assert [len(c) for c in cells] == [c.width for c in COLUMNS]


def test_cells_differ_between_quotes() -> None:
    """Guards the comparison above: it must see every column move."""
    a, b = row_cells(QUOTES[0], NOW, SPARKS[1]), row_cells(QUOTES[4], NOW, SPARKS[3])
    assert all(x != y for x, y in zip(a, b, strict=True))
