"""Equity bars: one row per (symbol, bar size, whatToShow, time)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import ClassVar, Protocol

import polars as pl
import pyarrow as pa

from apex_tui.domain.quotes import BarRecord
from apex_tui.domain.symbols import validate_symbol
from apex_tui.store.bar_sizes import bar_size, validate_what_to_show
from apex_tui.store.repository import Repository, WriteResult
from apex_tui.store.schemas import BARS, KindSpec


class BarLike(Protocol):
    """Anything shaped like a bar (the backfill source's BarRow, the domain BarRecord)."""

    @property
    def time(self) -> datetime: ...
    @property
    def open(self) -> float: ...
    @property
    def high(self) -> float: ...
    @property
    def low(self) -> float: ...
    @property
    def close(self) -> float: ...
    @property
    def volume(self) -> float: ...
    @property
    def wap(self) -> float: ...
    @property
    def count(self) -> int: ...


def int_or_none(x: float) -> int | None:
    return None if math.isnan(x) else int(x)  # NaN (IB's "no value") becomes null


def bars_table(symbol: str, size: str, what: str, rows: Sequence[BarLike]) -> pa.Table:
    """Rows of one series as a table of the `bars` input schema (values validated first)."""
    return _table([validate_symbol(symbol)] * len(rows), size, what, rows)


def bars_table_of(size: str, what: str, rows: Sequence[BarRecord]) -> pa.Table:
    """Bars of many symbols (each row's own) in one table of the `bars` input schema.

    The live recorder hands over a minute's bars of every streaming symbol at once: one table
    for 500 symbols took ~28 ms as 500 one-row tables concatenated.
    """
    valid: dict[str, str] = {}
    symbols = []
    for r in rows:
        sym = valid.get(r.symbol)
        if sym is None:
            sym = valid[r.symbol] = validate_symbol(r.symbol)
        symbols.append(sym)
    return _table(symbols, size, what, rows)


def _table(symbols: list[str], size: str, what: str, rows: Sequence[BarLike]) -> pa.Table:
    slug = bar_size(size).slug
    what_ = validate_what_to_show(what)
    n = len(rows)
    cols = {
        "symbol": symbols,
        "bar_size": [slug] * n,
        "what_to_show": [what_] * n,
        "time": [r.time for r in rows],
        "open": [r.open for r in rows],
        "high": [r.high for r in rows],
        "low": [r.low for r in rows],
        "close": [r.close for r in rows],
        "volume": [int_or_none(r.volume) for r in rows],
        "wap": [r.wap for r in rows],
        "count": [int(r.count) for r in rows],
    }
    schema = pa.schema([f for f in BARS.schema if f.name != "year"])
    return pa.Table.from_pydict(cols, schema=schema)


class BarRepository(Repository):
    """Equity bars, partitioned bar_size / what_to_show / symbol / year."""

    spec: ClassVar[KindSpec] = BARS

    def write_bars(self, symbol: str, size: str, what: str, rows: Sequence[BarLike]) -> WriteResult:
        return self.write(bars_table(symbol, size, what, rows))

    def read_bars(
        self,
        symbol: str,
        size: str,
        what: str = "TRADES",
        start: datetime | date | None = None,
        end: datetime | date | None = None,
    ) -> pl.DataFrame:
        """One series in [start, end), sorted by time."""
        where = {"bar_size": size, "what_to_show": what, "symbol": symbol}
        return self.scan(where, start, end).sort("time").collect()
