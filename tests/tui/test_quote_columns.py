"""Quotes row cells: every column's text, fitted to its width."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from apex_tui.domain.quotes import Quote
from apex_tui.tui.panes.quote_columns import COLUMNS, row_cells

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
SPARKS = {"AAPL": tuple(float(i % 7) for i in range(30)), "X": (NAN, 5.0, 5.0)}

# What a trader reads in each row: numbers right-aligned, symbol and trend left-aligned, "—"
# where IB sent no value, "…" where a value does not fit its column.
EXPECTED = {
    "AAPL": ["AAPL  ", "  189.98", "  190.02", "  190.00", "  +2.50", " +1.33%", " 12.3M",
             " 0.04", "▂▃▅▆▇█▁▂", "  2s"],
    "BRK.B": ["BRK.B ", "       —", "       —", "       —", "      —", "      —", "     —",
              "    —", "        ", "   —"],
    "LONGSYMBOL": ["LONGS…", "  123456", "99999.50", "10000.00", "-10000…", "-50.00%", "   999",
                   "-234…", "        ", "  7m"],
    "X": ["X     ", "       —", "       —", "    1.00", "-999.00", "-99.90%", "  1.5K", "-1.00",
          "▄▄      ", "  3h"],
    "DOWN": ["DOWN  ", "   50.00", "   50.50", "   40.00", " -40.00", "-50.00%", "  2.0B",
             " 0.50", "        ", "  0s"],
}  # fmt: skip


@pytest.mark.parametrize("quote", QUOTES, ids=lambda q: q.symbol)
def test_row_cells_fit_every_column(quote: Quote) -> None:
    cells = row_cells(quote, NOW, SPARKS.get(quote.symbol, ()))
    assert cells == EXPECTED[quote.symbol]
    assert [len(c) for c in cells] == [c.width for c in COLUMNS]
