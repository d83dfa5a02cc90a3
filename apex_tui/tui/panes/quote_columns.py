"""Column layout and cell formatting for the Quotes table (no Textual: pure text)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from apex_tui.domain.quotes import Quote

SPARK_CHARS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    width: int
    sort_key: Callable[[Quote], float | str] | None  # None: not sortable


def _num(value: float) -> float:
    """NaN sorts last in both directions once negated by the caller; map it to -inf here."""
    return -math.inf if math.isnan(value) else value


COLUMNS: tuple[Column, ...] = (
    Column("symbol", "Symbol", 6, lambda q: q.symbol),
    Column("bid", "Bid", 8, lambda q: _num(q.bid)),
    Column("ask", "Ask", 8, lambda q: _num(q.ask)),
    Column("last", "Last", 8, lambda q: _num(q.last)),
    Column("change", "Chg", 7, lambda q: _num(q.change)),
    Column("change_pct", "Chg%", 7, lambda q: _num(q.change_pct)),
    Column("volume", "Vol", 6, lambda q: _num(q.volume)),
    Column("spread", "Sprd", 5, lambda q: _num(q.spread)),
    Column("spark", "1m trend", 8, None),
    Column("age", "Age", 4, None),
)
COLUMN_GAP = 1


def price(value: float) -> str:
    if math.isnan(value) or value <= 0:
        return "—"
    # Thousands separators only where they fit the 8-character column.
    return (
        f"{value:,.2f}"
        if value < 10_000
        else f"{value:.2f}"
        if value < 100_000
        else (f"{value:.0f}")
    )


def signed(value: float, suffix: str = "") -> str:
    if math.isnan(value):
        return "—"
    return f"{value:+.2f}{suffix}"


def volume(value: float) -> str:
    if math.isnan(value) or value < 0:
        return "—"
    for limit, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= limit:
            return f"{value / limit:.1f}{unit}"
    return f"{value:.0f}"


def age(quote: Quote, now: datetime) -> str:
    if quote.time is None:
        return "—"
    seconds = max(0.0, (now - quote.time).total_seconds())
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.0f}h"


def sparkline(values: Sequence[float], width: int) -> str:
    """The last `width` values scaled to block characters; flat series draw a level line."""
    # Memoized: minute closes change once a minute, a Quotes row is redrawn several times a
    # second, and scaling ten values cost ~4 % of the app's busy time at 500 symbols.
    return _sparkline(tuple(values), width)


@lru_cache(maxsize=2048)
def _sparkline(values: tuple[float, ...], width: int) -> str:
    data = [v for v in values if not math.isnan(v)][-width:]
    if not data:
        return ""
    low, high = min(data), max(data)
    span = high - low
    if span <= 0:
        return SPARK_CHARS[3] * len(data)
    top = len(SPARK_CHARS) - 1
    return "".join(SPARK_CHARS[round((v - low) / span * top)] for v in data)


def fit(text: str, width: int, *, left: bool) -> str:
    """Pad or cut to exactly `width` characters (numbers right-aligned)."""
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.ljust(width) if left else text.rjust(width)


def row_cells(quote: Quote, now: datetime, spark: Sequence[float]) -> list[str]:
    """Every column's cell, fitted to its width, in `COLUMNS` order.

    One call with no per-column dispatch: a Quotes row is built for every visible row that
    changed, ~70 times a second at 500 streaming symbols.
    """
    sym, bid, ask, last, chg, pct, vol, sprd, trend, age_w = _WIDTHS
    spread = quote.spread
    return [
        fit(quote.symbol, sym, left=True),
        fit(price(quote.bid), bid, left=False),
        fit(price(quote.ask), ask, left=False),
        fit(price(quote.last), last, left=False),
        fit(signed(quote.change), chg, left=False),
        fit(signed(quote.change_pct, "%"), pct, left=False),
        fit(volume(quote.volume), vol, left=False),
        fit("—" if math.isnan(spread) else f"{spread:.2f}", sprd, left=False),
        fit(sparkline(spark, trend), trend, left=True),
        fit(age(quote, now), age_w, left=False),
    ]


# Column widths in the order row_cells lays them out; a key mismatch fails at import.
_ROW_KEYS = ("symbol", "bid", "ask", "last", "change", "change_pct", "volume", "spread", "spark",
             "age")  # fmt: skip
if tuple(c.key for c in COLUMNS) != _ROW_KEYS:
    raise ImportError("row_cells no longer matches COLUMNS")
_WIDTHS = tuple(c.width for c in COLUMNS)
